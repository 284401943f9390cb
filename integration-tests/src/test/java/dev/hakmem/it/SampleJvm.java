package dev.hakmem.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One child JVM running a sample application's jar ({@code java [-javaagent:…] -jar sample-apps/target/<jar>}),
 * as a user runs it: no class path of ours, stdout and stderr to files in a test's directory, a time limit.
 * Also finds a sample's call-site lines by their marker comments ({@code // site:name}) in
 * {@code sample-apps/src/main/java}, and talks HTTP/1.1 to the sample servers.
 *
 * <pre>
 * try (SampleJvm.Running nio = SampleJvm.of("nio-server.jar", dir).agent("report=" + file).args("--port", "0").start()) {
 *     int port = nio.port("nio-server");
 *     ...
 * }
 * </pre>
 */
final class SampleJvm {
    private static final String JARS_PROPERTY = "hakmem.samples.jars";
    private static final String SOURCES_PROPERTY = "hakmem.samples.sources";
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/");

    private final String jar;
    private final Path dir;
    private final List<String> jvmFlags = new ArrayList<>(List.of("-Xmx256m"));
    private final List<String> args = new ArrayList<>();
    private String agentOptions;

    private SampleJvm(String jar, Path dir) {
        this.jar = jar;
        this.dir = dir;
    }

    /** {@code jar}: its name in sample-apps/target, e.g. {@code nio-server.jar}; {@code dir}: where its output goes. */
    static SampleJvm of(String jar, Path dir) {
        return new SampleJvm(jar, dir);
    }

    /** With the agent and these options ({@code ""} for none); without a call to this, no agent. */
    SampleJvm agent(String options) {
        this.agentOptions = options;
        return this;
    }

    SampleJvm jvm(String... flags) {
        jvmFlags.addAll(Arrays.asList(flags));
        return this;
    }

    SampleJvm args(String... arguments) {
        args.addAll(Arrays.asList(arguments));
        return this;
    }

    static Path jar(String name) {
        String directory = System.getProperty(JARS_PROPERTY);
        assertNotNull(directory, "system property " + JARS_PROPERTY + " is not set; run these tests through Maven");
        Path jar = Path.of(directory, name).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), "no sample jar at " + jar + "; build it first: ./mvnw -q install -DskipTests -pl sample-apps");
        return jar;
    }

    /** The 1-based line of the one {@code // site:marker} comment in {@code source}, a path under sample-apps/src/main/java. */
    static int line(String source, String marker) {
        String root = System.getProperty(SOURCES_PROPERTY);
        assertNotNull(root, "system property " + SOURCES_PROPERTY + " is not set; run these tests through Maven");
        return Sources.line(Path.of(root, source), marker);
    }

    /** The one site of {@code api} at the line marked {@code // site:marker} in {@code source} (e.g. {@code dev/…/NioServer.java}). */
    static Report.Site site(Report report, String source, String marker, String api) {
        int line = line(source, marker);
        String file = Path.of(source).getFileName().toString();
        List<Report.Site> found = report.sites().stream()
                .filter(s -> file.equals(s.file()) && s.line() == line && s.api().equals(api)).toList();
        if (found.size() != 1) {
            fail("expected one " + api + " site at " + file + ":" + line + " (// site:" + marker + "), found " + found.size()
                    + "; the report's sites:\n" + Report.describe(report.sites()));
        }
        return found.getFirst();
    }

    List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(ChildJvm.javaLauncher());
        if (agentOptions != null) {
            command.add("-javaagent:" + ChildJvm.agentJar() + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
        }
        command.addAll(jvmFlags);
        command.add("-jar");
        command.add(jar(jar).toString());
        command.addAll(args);
        return command;
    }

    /** Runs the sample to its end; fails after {@code limit}. */
    ChildJvm.Result run(Duration limit) {
        try (Running running = start()) {
            return running.awaitExit(limit);
        }
    }

    Running start() {
        List<String> command = command();
        String name = jar.replace(".jar", "") + "-" + System.nanoTime();
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            return new Running(command, process, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command, e);
        }
    }

    /** A sample that is still running. */
    static final class Running implements AutoCloseable {
        private final List<String> command;
        private final Process process;
        private final Path out;
        private final Path err;

        private Running(List<String> command, Process process, Path out, Path err) {
            this.command = command;
            this.process = process;
            this.out = out;
            this.err = err;
        }

        long pid() {
            return process.pid();
        }

        /** Waits for the server's {@code listening on http://127.0.0.1:<port>/} line and returns the port. */
        int port(Duration limit) {
            long deadline = System.nanoTime() + limit.toNanos();
            while (System.nanoTime() < deadline) {
                Matcher listening = LISTENING.matcher(read(out));
                if (listening.find()) {
                    return Integer.parseInt(listening.group(1));
                }
                if (!process.isAlive()) {
                    break;
                }
                pause(50);
            }
            return fail("the sample printed no 'listening on' line in " + limit + ":\n" + snapshot().describe());
        }

        ChildJvm.Result awaitExit(Duration limit) {
            try {
                if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    return fail("the sample did not finish in " + limit + " and was killed:\n" + snapshot().describe());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            return snapshot();
        }

        ChildJvm.Result snapshot() {
            return new ChildJvm.Result(process.isAlive() ? -1 : process.exitValue(), read(out), read(err), command);
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }

        private static String read(Path file) {
            try {
                return Files.exists(file) ? Files.readString(file) : "";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void pause(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** A response to a plain request on a new connection. */
    record Response(int status, String body) {
    }

    /** {@code GET path} over 127.0.0.1 with {@code Connection: close}; the status and the body (by Content-Length). */
    static Response get(int port, String path) {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int headEnd = text.indexOf("\r\n\r\n");
            assertTrue(headEnd > 0, "no complete response head from " + path + ": " + text);
            String[] head = text.substring(0, headEnd).split("\r\n");
            int status = Integer.parseInt(head[0].split(" ")[1]);
            int length = -1;
            for (String header : head) {
                if (header.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring(header.indexOf(':') + 1).trim());
                }
            }
            String body = text.substring(headEnd + 4);
            assertEquals(length, body.length(), "Content-Length and the body of " + path + " differ: " + text);
            return new Response(status, body);
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path + " on port " + port, e);
        }
    }

    /** The sample servers' body for {@code GET /}: {@code "hello\n"}, then {@code 'a' + i % 26} for byte i, {@code '\n'} last. */
    static String expectedBody(int size) {
        StringBuilder body = new StringBuilder();
        String hello = "hello\n";
        for (int i = 0; i < size; i++) {
            body.append(i < hello.length() ? hello.charAt(i) : (char) ('a' + i % 26));
        }
        if (size > hello.length()) {
            body.setCharAt(size - 1, '\n');
        }
        return body.toString();
    }

    /** stderr lines that are warnings: the JDK's {@code WARNING:} lines and SLF4J's {@code WARN} ones. */
    static List<String> warnings(ChildJvm.Result run) {
        return run.stderrLines(l -> l.contains("WARNING") || l.matches(".*\\bWARN\\b.*"));
    }

    /**
     * The warnings of an observe-mode run: none but, possibly, the JDK's own JEP 498 notice for the same
     * {@code sun.misc.Unsafe} method the program calls (and is warned of without the agent), naming the
     * program's class as the caller, as without the agent: observe mode's calls reach {@code sun.misc.Unsafe}
     * with no frame of hakmem's in between.
     */
    static void assertOnlyTheJdksUnsafeNotice(ChildJvm.Result run, String method) {
        List<String> warnings = warnings(run);
        if (warnings.isEmpty()) {
            return;
        }
        assertEquals(4, warnings.size(), "observe mode: no warning but the JDK's JEP 498 notice:\n" + run.describe());
        assertEquals("WARNING: A terminally deprecated method in sun.misc.Unsafe has been called", warnings.get(0));
        assertTrue(warnings.get(1).startsWith("WARNING: sun.misc.Unsafe::" + method + " has been called by dev.hakmem.samples."),
                "the notice names the program's class, not hakmem's:\n" + run.describe());
        assertTrue(warnings.get(2).startsWith("WARNING: Please consider reporting this to the maintainers of class dev.hakmem.samples."),
                run.describe());
        assertEquals("WARNING: sun.misc.Unsafe::" + method + " will be removed in a future release", warnings.get(3));
    }

    /** stderr lines the agent printed: those starting "hakmem" or naming a dev.hakmem logger. */
    static List<String> hakmemLines(ChildJvm.Result run) {
        return run.stderrLines(l -> l.startsWith("hakmem") || l.contains("dev.hakmem.agent") || l.contains("dev.hakmem."));
    }
}
