package dev.hakmem.it;

import dev.hakmem.it.apps.GcReleaseApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Buffers released by the garbage collector: ten times the limit goes through it without an
 * {@code OutOfMemoryError}, on the bridge's "let pending releases run, then System.gc(), then retry" path.
 */
class GcReleaseTest {
    private static final long LIMIT = 32L << 20;
    /** The limit is passed ten times; a collection per pass, with slack for timing. */
    private static final long MAX_FORCED_GCS = 30;

    @TempDir
    Path dir;

    @Test
    void shouldReleaseUnreachableBuffersThroughForcedGcsInsteadOfFailingAtTheLimit() {
        releaseThroughTheLimit(1);
    }

    @Test
    void shouldReleaseUnreachableBuffersWhenFourThreadsReachTheLimitTogether() {
        releaseThroughTheLimit(4);
    }

    private void releaseThroughTheLimit(int threads) {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(GcReleaseApp.class).agent("limit=32m,report=" + file).jvm("-Xmx1g")
                .args(Long.toString(LIMIT), Integer.toString(threads)).run().assertOk();
        Report report = Report.read(file, run);

        long buffers = Long.parseLong(run.value("buffers"));
        Report.Site site = report.site(GcReleaseApp.class, "dropped", "ByteBuffer.allocateDirect");
        assertEquals(buffers, site.allocations(), "allocations of " + site);
        assertTrue(site.liveBytes() <= LIMIT, "more than the limit alive at exit: " + site);
        assertTrue(site.frees() >= buffers - LIMIT / (64 << 10), "too few frees: " + site);
        assertEquals(LIMIT, report.total("directLimitBytes"), "totals.directLimitBytes");
        long forced = report.total("forcedGcs");
        System.out.printf("GC-driven release, %d x 64 KiB through a 32 MiB limit on %d thread(s): hakmem forced %d GCs (JVM collections %s)%n",
                buffers, threads, forced, run.value("collections"));
        assertTrue(forced <= MAX_FORCED_GCS * threads, "forcedGcs " + forced + " is not a small number\n" + report.text());
    }

    /** The JDK's own path on the same program, for comparison (its forced GCs show only in the collection count). */
    @Test
    void shouldAlsoPassOnTheJdkAloneWithTheSameLimit() {
        for (int threads : new int[] {1, 4}) {
            ChildJvm.Result run = ChildJvm.of(GcReleaseApp.class).withoutAgent().jvm("-Xmx1g", "-XX:MaxDirectMemorySize=32m")
                    .args(Long.toString(LIMIT), Integer.toString(threads)).run().assertOk();
            System.out.printf("GC-driven release on the JDK alone, %d thread(s): JVM collections %s%n", threads, run.value("collections"));
        }
    }
}
