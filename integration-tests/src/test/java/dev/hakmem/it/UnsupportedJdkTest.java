package dev.hakmem.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Guarantee 1 of README ("any JDK, never a crash"): on a JDK hakmem does not run on, the agent prints
 * one line naming the JDK and the supported version, changes nothing, and the program runs and exits
 * exactly as without it. Runs under the JDK 17 installed on this kind of machine (the default
 * {@code java}); skipped, with a message, only where there is none.
 */
class UnsupportedJdkTest {
    private static final Path JDK17 = Path.of(System.getProperty("hakmem.it.jdk17", "/usr/lib/jvm/java-17-openjdk-amd64"));
    /** A program that uses direct memory the ways the agent rewrites, and exits with a status of its own. */
    private static final String PROGRAM = """
            import java.nio.ByteBuffer;
            public class Plain {
                public static void main(String[] args) throws Exception {
                    ByteBuffer b = ByteBuffer.allocateDirect(4096);
                    b.putLong(0, 42L);
                    java.lang.reflect.Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
                    f.setAccessible(true);
                    sun.misc.Unsafe u = (sun.misc.Unsafe) f.get(null);
                    long a = u.allocateMemory(64);
                    u.putLong(a, 7L);
                    long sum = b.getLong(0) + u.getLong(a);
                    u.freeMemory(a);
                    System.out.println("sum=" + sum + " on " + System.getProperty("java.specification.version"));
                    System.exit(3);
                }
            }
            """;

    @TempDir
    static Path dir;

    @BeforeAll
    static void compileWithJdk17() throws Exception {
        assumeTrue(Files.isExecutable(JDK17.resolve("bin/java")) && Files.isExecutable(JDK17.resolve("bin/javac")),
                "no JDK 17 at " + JDK17 + " (set -Dhakmem.it.jdk17=<its home>); this machine kind ships one as the default java");
        Files.writeString(dir.resolve("Plain.java"), PROGRAM);
        Run javac = run(List.of(JDK17.resolve("bin/javac").toString(), "-nowarn", "-d", dir.toString(), dir.resolve("Plain.java").toString()));
        assertEquals(0, javac.exit, "javac of JDK 17 failed: " + javac);
    }

    @Test
    void shouldStepAsideOnJdk17WithOneLineAndChangeNothing() throws Exception {
        Run without = run(java17(List.of()));
        Run with = run(java17(List.of("-javaagent:" + ChildJvm.agentJar() + "=report=" + dir.resolve("r.json"))));

        assertEquals(3, without.exit, "the program's own exit status, without the agent: " + without);
        assertEquals(without.exit, with.exit, "exit status with the agent: " + with);
        assertEquals("sum=49 on 17\n", with.stdout, "the program's own output: " + with);
        assertEquals(without.stdout, with.stdout, "stdout with the agent equals stdout without it");
        List<String> lines = with.stderr.lines().toList();
        assertEquals(1, lines.size(), "exactly one line from hakmem: " + with);
        String line = lines.getFirst();
        assertTrue(line.startsWith("hakmem: ") && line.contains("JDK 17.") && line.contains("JDK 25"),
                "the line names the JDK found and the supported one: " + line);
        assertEquals(without.stderr, "", "JDK 17 itself prints nothing for this program: " + without);
        assertTrue(Files.notExists(dir.resolve("r.json")), "nothing was started, not even the report");
    }

    @Test
    void shouldIgnoreEvenABadOptionOnAnUnsupportedJdk() throws Exception {
        Run with = run(java17(List.of("-javaagent:" + ChildJvm.agentJar() + "=mode=fast")));

        assertEquals(3, with.exit, "the options are never read on a JDK hakmem does not run on: " + with);
        assertEquals("sum=49 on 17\n", with.stdout);
    }

    private static List<String> java17(List<String> flags) {
        List<String> command = new ArrayList<>();
        command.add(JDK17.resolve("bin/java").toString());
        command.addAll(flags);
        command.addAll(List.of("-cp", dir.toString(), "Plain"));
        return command;
    }

    private record Run(int exit, String stdout, String stderr, List<String> command) {
        @Override
        public String toString() {
            return "exit " + exit + " of " + String.join(" ", command) + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
        }
    }

    private static Run run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish in 60 s: " + command);
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err), command);
    }
}
