package dev.hakmem.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One child JVM running a test program (a class with {@code main} under {@code dev.hakmem.it.apps}),
 * by default with {@code -javaagent:<hakmem-agent.jar>}: the same {@code java} as the running JVM, this
 * JVM's class path (which never holds the agent jar), stdout and stderr captured, a time limit.
 *
 * <pre>
 * Result r = ChildJvm.of(NioApp.class).agent("report=" + file).jvm("-Xmx64m").run();
 * </pre>
 */
final class ChildJvm {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final String AGENT_JAR_PROPERTY = "hakmem.agent.jar";

    private final Class<?> main;
    private final List<String> jvmFlags = new ArrayList<>(List.of("-Xmx256m", "-XX:ErrorFile=" + crashDirectory() + "/hs_err_pid%p.log"));
    private final List<String> args = new ArrayList<>();
    private String agentOptions = "";
    private boolean withAgent = true;
    private Duration timeout = DEFAULT_TIMEOUT;

    private ChildJvm(Class<?> main) {
        this.main = main;
    }

    static ChildJvm of(Class<?> main) {
        return new ChildJvm(main);
    }

    /** The agent's options, e.g. {@code "mode=observe,report=/tmp/r.json"}; empty for none. */
    ChildJvm agent(String options) {
        this.withAgent = true;
        this.agentOptions = options;
        return this;
    }

    ChildJvm withoutAgent() {
        this.withAgent = false;
        return this;
    }

    /** JVM flags, after the defaults ({@code -Xmx256m}, an hs_err file under target/), so they override them. */
    ChildJvm jvm(String... flags) {
        jvmFlags.addAll(Arrays.asList(flags));
        return this;
    }

    ChildJvm args(String... arguments) {
        args.addAll(Arrays.asList(arguments));
        return this;
    }

    ChildJvm timeout(Duration limit) {
        this.timeout = limit;
        return this;
    }

    /** The built agent jar, as the build passes it in ({@value #AGENT_JAR_PROPERTY}). */
    static Path agentJar() {
        String path = System.getProperty(AGENT_JAR_PROPERTY);
        assertNotNull(path, "system property " + AGENT_JAR_PROPERTY + " is not set; run these tests through Maven");
        Path jar = Path.of(path).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), "no agent jar at " + jar
                + "; build it first: ./mvnw -q -o install -DskipTests -pl agent/bootstrap -am");
        return jar;
    }

    /** Where a crashing child writes its hs_err file: target/child-jvms, not the module's directory. */
    private static String crashDirectory() {
        Path directory = Path.of(System.getProperty("hakmem.it.output", System.getProperty("java.io.tmpdir")));
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return directory.toString();
    }

    /** The {@code java} launcher of this JVM. */
    static String javaLauncher() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static String classPath() {
        String classPath = System.getProperty("java.class.path");
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            assertTrue(!entry.endsWith("hakmem-agent.jar"),
                    "the agent jar must reach the child only through -javaagent, but it is on the class path: " + entry);
        }
        return classPath;
    }

    List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(javaLauncher());
        if (withAgent) {
            command.add("-javaagent:" + agentJar() + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
        }
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(classPath());
        command.add(main.getName());
        command.addAll(args);
        return command;
    }

    /** Runs the program to its end (or the time limit, which fails the test). */
    Result run() {
        try (Running running = start()) {
            return running.awaitExit(timeout);
        }
    }

    /** Starts the program and returns at once; for programs the test talks to. */
    Running start() {
        List<String> command = command();
        try {
            return new Running(command, new ProcessBuilder(command).start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command, e);
        }
    }

    /** What a finished child left. */
    record Result(int exit, String stdout, String stderr, List<String> command) {

        /** For assertion messages: the command, the exit code and everything the child printed. */
        String describe() {
            return "exit code " + exit + " of\n  " + String.join(" ", command) + "\n--- stdout ---\n" + stdout
                    + "--- stderr ---\n" + stderr + "--------------";
        }

        /** Exit code 0 and the program's closing "OK" line. */
        Result assertOk() {
            assertEquals(0, exit, "the program failed:\n" + describe());
            assertTrue(stdout.lines().anyMatch("OK"::equals), "the program did not print its closing OK:\n" + describe());
            return this;
        }

        /** The value of the first stdout line {@code key=value}. */
        String value(String key) {
            return stdout.lines().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).findFirst()
                    .orElseGet(() -> fail("the program printed no line " + key + "=...:\n" + describe()));
        }

        List<String> stderrLines(Predicate<String> which) {
            return stderr.lines().filter(which).toList();
        }
    }

    /** A child that is still running: its output so far, its stdin, its pid. */
    static final class Running implements AutoCloseable {
        private final List<String> command;
        private final Process process;
        private final Collector stdout;
        private final Collector stderr;
        private final OutputStream stdin;

        private Running(List<String> command, Process process) {
            this.command = command;
            this.process = process;
            this.stdout = new Collector(process.getInputStream(), "stdout");
            this.stderr = new Collector(process.getErrorStream(), "stderr");
            this.stdin = process.getOutputStream();
        }

        long pid() {
            return process.pid();
        }

        /** Waits for a stdout line that {@code matches}; fails with the output so far after {@code limit}. */
        String awaitLine(Predicate<String> matches, Duration limit) {
            long deadline = System.nanoTime() + limit.toNanos();
            try {
                while (true) {
                    long left = deadline - System.nanoTime();
                    String line = left > 0 ? stdout.lines.poll(left, TimeUnit.NANOSECONDS) : null;
                    if (line == null) {
                        return fail("the child printed no such line in " + limit + " (alive: " + process.isAlive() + "):\n"
                                + snapshot().describe());
                    }
                    if (matches.test(line)) {
                        return line;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }

        void send(String line) {
            try {
                stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("could not write to the child's stdin:\n" + snapshot().describe(), e);
            }
        }

        Result awaitExit(Duration limit) {
            try {
                if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    String dump = dumpThreads();
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    stdout.join(2_000);
                    stderr.join(2_000);
                    return fail("the child did not finish in " + limit + " and was killed (" + dump + "):\n" + snapshot().describe());
                }
                stdout.join(10_000);
                stderr.join(10_000);
                return snapshot();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }

        /** A hung child's threads, virtual ones included, for the failure message; never throws. */
        private String dumpThreads() {
            Path file = Path.of(crashDirectory(), "threads-" + process.pid() + ".txt");
            try {
                Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(process.pid()), "Thread.dump_to_file", "-format=text", file.toString())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (jcmd.waitFor(15, TimeUnit.SECONDS) && Files.isRegularFile(file)) {
                    return "its threads are in " + file;
                }
                jcmd.destroyForcibly();
            } catch (IOException e) {
                return "no thread dump: " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "no thread dump: interrupted";
            }
            return "no thread dump";
        }

        private Result snapshot() {
            return new Result(process.isAlive() ? -1 : process.exitValue(), stdout.text(), stderr.text(), command);
        }

        @Override
        public void close() {
            try {
                stdin.close();
            } catch (IOException ignored) {
                // the child may be gone already
            }
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    /** Reads one of the child's streams to its end, keeping the text and handing out lines. */
    private static final class Collector extends Thread {
        private final InputStream in;
        private final StringBuilder text = new StringBuilder();
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Collector(InputStream in, String name) {
            super("child-" + name);
            this.in = in;
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (text) {
                        text.append(line).append('\n');
                    }
                    lines.add(line);
                }
            } catch (IOException e) {
                synchronized (text) {
                    text.append("[reading the child's output failed: ").append(e).append("]\n");
                }
            }
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }
    }
}
