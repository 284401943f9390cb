package dev.hakmem.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The off-heap cache of {@code sample-apps} ({@code offheap-cache.jar}: values in {@code Unsafe.allocateMemory}
 * blocks, an LRU index on the heap) through its built-in workload, with the agent in replace and observe mode
 * and without it. Cleared at the end, the cache leaves nothing live; with {@code --leak} its update path
 * forgets to free the old version, and the report's first site by live bytes is that path's allocating line.
 * No warning with the agent in replace mode (it rewrote every {@code Unsafe} call; without the agent the JDK
 * warns of {@code allocateMemory}); in observe mode only the JDK's notice, naming the agent's bridge
 * ({@link SampleJvm#assertOnlyTheJdksUnsafeNotice}).
 */
class OffHeapCacheSampleTest {
    private static final String JAR = "offheap-cache.jar";
    private static final String CACHE = "dev/hakmem/samples/cache/OffHeapCache.java";
    private static final String ALLOCATE = "Unsafe.allocateMemory";
    // 20,000 keys: most puts update a key already there, so the leak stands out from the first versions
    private static final String[] WORKLOAD = {"--seconds", "3", "--ops", "600000", "--threads", "2", "--keys", "20000"};

    @TempDir
    Path dir;

    @Test
    void shouldFreeEveryBlockItAllocatedOnceCleared() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = workload(SampleJvm.of(JAR, dir).agent("report=" + file));
        Report report = Report.read(file, run);

        for (String marker : List.of("insert-block", "update-block")) {
            Report.Site site = SampleJvm.site(report, CACHE, marker, ALLOCATE);
            assertTrue(site.allocations() > 1000, "the workload ran through " + site);
            assertEquals(site.allocations(), site.frees(), "every block freed at " + site);
            site.assertNothingLive();
        }
        assertEquals(0, report.total("liveBytes"), "totals.liveBytes after clear()\n" + report.text());
        assertEquals(0, report.total("invalidFrees"), "totals.invalidFrees");
        assertEquals(List.of(), SampleJvm.warnings(run), "no warning with the agent: it rewrote every Unsafe call\n" + run.describe());
    }

    @Test
    void shouldPutTheLeakingUpdateLineFirst() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = workload(SampleJvm.of(JAR, dir).agent("report=" + file).args("--leak"));
        Report report = Report.read(file, run);

        assertLeakFirst(report);
        assertEquals(List.of(), SampleJvm.warnings(run), "no warning with the agent\n" + run.describe());
    }

    @Test
    void shouldPutTheLeakingUpdateLineFirstInObserveModeToo() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = workload(SampleJvm.of(JAR, dir).agent("mode=observe,report=" + file).args("--leak"));
        Report report = Report.read(file, run);

        assertEquals("observe", report.totalText("mode"), "totals.mode");
        assertLeakFirst(report);
        SampleJvm.assertOnlyTheJdksUnsafeNotice(run, "allocateMemory");
    }

    @Test
    void shouldRunWithoutTheAgentWhereTheJdkWarnsOfAllocateMemory() {
        ChildJvm.Result run = workload(SampleJvm.of(JAR, dir));
        assertTrue(run.stderr().contains("sun.misc.Unsafe::allocateMemory has been called by dev.hakmem.samples.cache.OffHeapCache"),
                "without the agent the JDK prints its JEP 498 warning:\n" + run.describe());
    }

    private static void assertLeakFirst(Report report) {
        Report.Site top = report.sites().stream().max(Comparator.comparingLong(Report.Site::liveBytes)).orElseThrow();
        Report.Site update = SampleJvm.site(report, CACHE, "update-block", ALLOCATE);
        assertEquals(update.fields(), top.fields(), "the leaking update line holds the most live bytes:\n" + Report.describe(report.sites()));
        assertTrue(update.liveBytes() > 2 * SampleJvm.site(report, CACHE, "insert-block", ALLOCATE).liveBytes(),
                "the update line's leak stands out:\n" + Report.describe(report.sites()));
        assertTrue(update.liveBlocks() > 1000, "thousands of old versions leaked: " + update);
    }

    private static ChildJvm.Result workload(SampleJvm sample) {
        ChildJvm.Result run = sample.args(WORKLOAD).run(Duration.ofSeconds(60));
        assertEquals(0, run.exit(), "the cache failed:\n" + run.describe());
        assertTrue(run.stdout().contains(", 0 errors") && run.stdout().contains("cleared: freed"),
                "the workload checked every value and the cache was cleared:\n" + run.describe());
        return run;
    }
}
