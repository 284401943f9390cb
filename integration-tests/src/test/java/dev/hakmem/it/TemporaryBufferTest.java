package dev.hakmem.it;

import dev.hakmem.it.apps.TemporaryBufferApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JDK's own direct memory: NIO's temporary buffers, which a channel takes for every read or write of a
 * heap buffer (where a Kafka client's direct memory comes from). JDK 25 allocates them with the internal
 * {@code Unsafe} in {@code sun.nio.ch.Util.getTemporaryDirectBuffer} and frees them only in that class; with
 * {@code jdk=true} hakmem serves them there. Their sites are the two {@code allocateMemory} lines of
 * {@code getTemporaryDirectBuffer} (one for a buffer too large for the thread's cache, above
 * {@code -Djdk.nio.maxCachedBufferSize}, unlimited by default; one for a buffer the cache keeps), not the
 * program's line: a cached buffer serves every later call of its thread, and no stack is walked for them.
 * Without {@code jdk=true} the JDK keeps them.
 */
class TemporaryBufferTest {
    private static final String UTIL = "sun.nio.ch.Util";
    private static final String ALLOCATE = "jdk.internal.misc.Unsafe.allocateMemory";

    @TempDir
    Path dir;

    @Test
    void shouldServeNiosTemporaryBuffersWithJdkTrueAndAttributeThemToUtil() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(TemporaryBufferApp.class).agent("jdk=true,report=" + file).run().assertOk();
        Report report = Report.read(file, run);

        assertEquals(Integer.toString(TemporaryBufferApp.BYTES), run.value("bytes"), "the bytes that arrived intact");
        assertEquals("replace", report.totalText("mode"), "totals.mode");
        List<Report.Site> temporary = report.sitesOf(UTIL).stream().filter(s -> s.api().equals(ALLOCATE)).toList();
        assertTrue(!temporary.isEmpty() && temporary.stream().allMatch(s -> s.method().equals("getTemporaryDirectBuffer")
                && s.file().equals("Util.java") && s.line() > 0), "Util's allocation sites:\n" + Report.describe(report.sitesOf(UTIL)));
        long allocations = temporary.stream().mapToLong(Report.Site::allocations).sum();
        long frees = temporary.stream().mapToLong(Report.Site::frees).sum();
        long bytes = temporary.stream().mapToLong(Report.Site::bytesAllocated).sum();
        // at least one buffer for the writer and one for the reader; both threads ended, which freed their caches
        assertTrue(allocations >= 2, "temporary buffers hakmem served: " + allocations + "\n" + Report.describe(temporary));
        assertTrue(frees >= 2, "temporary buffers freed when their threads ended: " + frees + "\n" + Report.describe(temporary));
        assertTrue(bytes >= (8 << 10) + 1, "bytes served: " + bytes + "\n" + Report.describe(temporary));
        assertEquals(0, report.total("invalidFrees"), "totals.invalidFrees\n" + report.text());
        assertEquals(List.of(), SampleJvm.warnings(run), "no warning\n" + run.describe());
        System.out.println("NIO temporary buffers with jdk=true:\n" + Report.describe(temporary));
    }

    @Test
    void shouldAttributeThemInObserveModeWithJdkTrue() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(TemporaryBufferApp.class).agent("jdk=true,mode=observe,report=" + file).run().assertOk();
        Report report = Report.read(file, run);

        assertEquals(Integer.toString(TemporaryBufferApp.BYTES), run.value("bytes"), "the bytes that arrived intact");
        assertEquals("observe", report.totalText("mode"), "totals.mode");
        List<Report.Site> temporary = report.sitesOf(UTIL).stream().filter(s -> s.api().equals(ALLOCATE)).toList();
        assertTrue(temporary.stream().mapToLong(Report.Site::allocations).sum() >= 2, Report.describe(temporary));
        assertTrue(temporary.stream().mapToLong(Report.Site::frees).sum() >= 2, Report.describe(temporary));
        assertEquals(List.of(), SampleJvm.warnings(run), "no warning\n" + run.describe());
    }

    @Test
    void shouldLeaveThemToTheJdkWithoutJdkTrue() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(TemporaryBufferApp.class).agent("report=" + file).run().assertOk();
        Report report = Report.read(file, run);

        assertEquals(Integer.toString(TemporaryBufferApp.BYTES), run.value("bytes"), "the bytes that arrived intact");
        assertEquals(List.of(), report.sitesOf(UTIL), "no site in sun.nio.ch.Util without jdk=true");
    }
}
