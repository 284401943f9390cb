package dev.hakmem;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * hakmem prints no JEP 498 (sun.misc.Unsafe) or JEP 472 (native access) warning of its own: a child
 * JVM with default flags and hakmem on its class path, as a library user has it, allocates every
 * tier and says nothing on stderr; with native access denied it still works (on the shm or arena route).
 */
class NoWarningsTest {

    /** The child JVM's main: exercises tiny, mid, large and huge blocks and a cross-thread free. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            long[] blocks = {Hakmem.allocate(16), Hakmem.allocate(4000), Hakmem.allocate(200_000), Hakmem.allocate(5_000_000)};
            long zeroed = Hakmem.allocateZeroed(100);
            long moved = Hakmem.reallocate(Hakmem.allocate(10), 50_000);
            Thread other = Thread.ofPlatform().start(() -> Hakmem.free(moved));
            other.join();
            for (long b : blocks) {
                Hakmem.free(b);
            }
            Hakmem.free(zeroed);
            System.out.println("route=" + Hakmem.stats().osRoute() + " live=" + Hakmem.stats().liveBlocks());
        }
    }

    private record Run(int exit, String stdout, String stderr) {
    }

    private static Run runProbe(String... jvmFlags) throws Exception {
        List<String> classpath = new ArrayList<>();
        for (String key : new String[] {"java.class.path", "jdk.module.path"}) {
            String value = System.getProperty(key);
            if (value != null && !value.isBlank()) {
                classpath.add(value);
            }
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmFlags));
        command.addAll(List.of("-cp", String.join(File.pathSeparator, classpath), Probe.class.getName()));
        Process process = new ProcessBuilder(command).start();
        var out = process.getInputStream().readAllBytes();
        var err = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe JVM did not finish");
        return new Run(process.exitValue(), new String(out), new String(err));
    }

    @Test
    void shouldPrintNoWarningUnderDefaultFlags() throws Exception {
        Run run = runProbe();
        assertEquals(0, run.exit(), run.stderr());
        assertTrue(run.stdout().matches("(?s)route=(shm\\+arena|arena) live=0.*"), run.stdout());
        assertFalse(run.stderr().contains("WARNING"), "hakmem must not warn:\n" + run.stderr());
    }

    @Test
    void shouldWorkWhenUnsafeMemoryAccessAndNativeAccessAreDenied() throws Exception {
        Run run = runProbe("--sun-misc-unsafe-memory-access=deny", "--illegal-native-access=deny");
        assertEquals(0, run.exit(), run.stderr());
        assertTrue(run.stdout().contains("live=0"), run.stdout());
        assertFalse(run.stderr().contains("WARNING"), run.stderr());
    }

    @Test
    void shouldUseMmapWhenNativeAccessIsGranted() throws Exception {
        Run run = runProbe("--enable-native-access=ALL-UNNAMED");
        assertEquals(0, run.exit(), run.stderr());
        assertTrue(run.stdout().contains("route=mmap live=0"), run.stdout());
        assertFalse(run.stderr().contains("WARNING"), run.stderr());
    }
}
