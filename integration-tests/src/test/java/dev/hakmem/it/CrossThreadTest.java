package dev.hakmem.it;

import dev.hakmem.it.apps.CrossThreadApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Frees on other threads than the allocating one, and 10,000 virtual threads; the report's counts add up. */
class CrossThreadTest {
    private static final String ALLOCATE_DIRECT = "ByteBuffer.allocateDirect";
    private static final String ALLOCATE_MEMORY = "Unsafe.allocateMemory";
    private static final String ALLOW_UNSAFE = "--sun-misc-unsafe-memory-access=allow";

    @TempDir
    Path dir;

    @Test
    void shouldFreeOnOtherPlatformThreadsWithConsistentCounts() {
        Report report = run(ChildJvm.of(CrossThreadApp.class).jvm(ALLOW_UNSAFE).args("platform"));
        report.site(CrossThreadApp.class, "producer-allocate", ALLOCATE_MEMORY).assertCounts(20_000, 20_000).assertNothingLive();
        report.site(CrossThreadApp.class, "producer-direct", ALLOCATE_DIRECT).assertCounts(20_000, 20_000).assertNothingLive();
        assertBalanced(report);
    }

    /**
     * 10,000 virtual threads, at most 32 at a time, over 64 striped caches: each virtual thread always
     * finds a free stripe, so this cannot run into the livelock of the disabled test below.
     */
    @Test
    void shouldServeTenThousandVirtualThreadsFreeingEachOthersBuffers() {
        Report report = run(ChildJvm.of(CrossThreadApp.class).jvm(ALLOW_UNSAFE, "-Dhakmem.stripes=64").args("virtual", "10000", "32"));
        assertVirtualThreadSites(report);
    }

    /**
     * All 10,000 virtual threads at once on the default stripes (2 x CPUs), while short-lived platform
     * threads allocate and die. This used to hang about one run in four: every stripe was held by a
     * virtual thread that unmounted inside {@code RefillEngine.acquireSpan} (blocked on the engine's
     * monitor, which platform threads take too), while the other ~9,970 virtual threads spun in
     * {@code ThreadCaches.acquireStripe} with {@code Thread.yield()} and kept both carriers busy, so the
     * holders never ran again. Waiters now park until a stripe is released. Five runs.
     */
    @Test
    void shouldNotHangWhenTenThousandVirtualThreadsContendForTheStripes() {
        for (int attempt = 0; attempt < 5; attempt++) {
            Report report = run(ChildJvm.of(CrossThreadApp.class).jvm(ALLOW_UNSAFE).args("virtual", "10000", "0", "churn")
                    .timeout(Duration.ofSeconds(20)));
            assertVirtualThreadSites(report);
        }
    }

    private Report run(ChildJvm child) {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = child.agent("report=" + file).run().assertOk();
        return Report.read(file, run);
    }

    private static void assertVirtualThreadSites(Report report) {
        report.site(CrossThreadApp.class, "virtual-direct", ALLOCATE_DIRECT).assertCounts(10_000, 10_000).assertNothingLive();
        report.site(CrossThreadApp.class, "virtual-allocate", ALLOCATE_MEMORY).assertCounts(10_000, 10_000).assertNothingLive();
        report.site(CrossThreadApp.class, "virtual-hand-off", ALLOCATE_DIRECT).assertCounts(10_000, 10_000).assertNothingLive();
        assertBalanced(report);
    }

    private static void assertBalanced(Report report) {
        assertEquals(0, report.total("liveBlocks"), "totals.liveBlocks\n" + report.text());
        assertEquals(0, report.total("liveBytes"), "totals.liveBytes\n" + report.text());
        assertEquals(report.total("allocations"), report.total("frees"), "totals: allocations and frees\n" + report.text());
        assertEquals(0, report.total("invalidFrees"), "totals.invalidFrees");
        assertEquals(0, report.total("directReservedBytes"), "totals.directReservedBytes: every buffer was freed");
    }
}
