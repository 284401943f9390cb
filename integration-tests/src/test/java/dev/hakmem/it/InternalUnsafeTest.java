package dev.hakmem.it;

import dev.hakmem.it.apps.InternalUnsafeApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static dev.hakmem.it.apps.InternalUnsafeApp.HELD;
import static dev.hakmem.it.apps.InternalUnsafeApp.ROUNDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jdk.internal.misc.Unsafe}'s {@code allocateMemory}/{@code reallocateMemory}/{@code freeMemory} in
 * library code, as Agrona 2.x calls them (with {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}):
 * served by hakmem in replace mode and attributed in both modes, at the program's own lines and at Agrona's
 * {@code UnsafeApi} methods (a generated class without line numbers: the report gives its file and no line);
 * addresses hakmem did not make go to the JDK's free and realloc through the caller's own internal
 * {@code Unsafe}.
 */
class InternalUnsafeTest {
    private static final String EXPORTS = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    private static final String ALLOCATE = "jdk.internal.misc.Unsafe.allocateMemory";
    private static final String REALLOCATE = "jdk.internal.misc.Unsafe.reallocateMemory";
    private static final String FREE = "jdk.internal.misc.Unsafe.freeMemory";
    private static final String AGRONA = "org.agrona.UnsafeApi";

    @TempDir
    Path dir;

    @Test
    void shouldServeInternalUnsafeCallSitesAtTheirLinesAndFreeForeignAddressesThroughTheJdk() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(InternalUnsafeApp.class).agent("report=" + file).jvm(EXPORTS).run().assertOk();
        Report report = Report.read(file, run);

        assertEquals("replace", report.totalText("mode"), "totals.mode");
        Report.Site allocate = report.site(InternalUnsafeApp.class, "allocate", ALLOCATE);
        assertEquals("InternalUnsafeApp.java", allocate.file(), "file of " + allocate);
        assertEquals("direct", allocate.method(), "method of " + allocate);
        // each block moved once and was freed at the free site: replace mode counts the move at the allocating site
        // as a free and an allocation (observe mode below, as none), and nothing is left
        allocate.assertCounts(2 * ROUNDS, 2 * ROUNDS).assertNothingLive();
        report.site(InternalUnsafeApp.class, "reallocate", REALLOCATE);
        report.site(InternalUnsafeApp.class, "free", FREE);
        Report.Site held = report.site(InternalUnsafeApp.class, "held", ALLOCATE).assertCounts(1, 0);
        assertTrue(held.liveBytes() >= HELD, "the held block's usable bytes: " + held);
        assertTrue(report.total("allocatorLiveBytes") >= held.liveBytes(), "hakmem's allocator holds the held block\n" + report.text());
        // the JDK's blocks went to the JDK: hakmem counts none of them, and saw no invalid free
        report.site(InternalUnsafeApp.class, "foreign-reallocate", REALLOCATE).assertCounts(0, 0);
        report.site(InternalUnsafeApp.class, "foreign-free", FREE).assertCounts(0, 0);
        assertEquals("ok", run.value("foreign"), "foreign addresses reallocated and freed");
        assertEquals(0, report.total("invalidFrees"), "totals.invalidFrees\n" + report.text());

        Report.Site agrona = agronaSite(report, "allocateMemory", ALLOCATE);
        agrona.assertCounts(2 * ROUNDS, 2 * ROUNDS).assertNothingLive();
        agronaSite(report, "reallocateMemory", REALLOCATE);
        agronaSite(report, "freeMemory", FREE);
        assertEquals(List.of(), SampleJvm.warnings(run), "no warning\n" + run.describe());
    }

    @Test
    void shouldAttributeTheSameSitesInObserveMode() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(InternalUnsafeApp.class).agent("mode=observe,report=" + file).jvm(EXPORTS).run().assertOk();
        Report report = Report.read(file, run);

        assertEquals("observe", report.totalText("mode"), "totals.mode");
        report.site(InternalUnsafeApp.class, "allocate", ALLOCATE).assertCounts(ROUNDS, ROUNDS).assertNothingLive();
        Report.Site held = report.site(InternalUnsafeApp.class, "held", ALLOCATE).assertCounts(1, 0);
        assertEquals(HELD, held.liveBytes(), "observe mode counts the requested bytes: " + held);
        agronaSite(report, "allocateMemory", ALLOCATE).assertCounts(ROUNDS, ROUNDS).assertNothingLive();
        assertEquals(List.of(), SampleJvm.warnings(run), "no warning\n" + run.describe());
    }

    @Test
    void shouldPassTheSameChecksWithoutTheAgent() {
        ChildJvm.of(InternalUnsafeApp.class).withoutAgent().jvm(EXPORTS).run().assertOk();
    }

    /** Agrona's {@code UnsafeApi} is generated (Byte Buddy): its methods carry no line numbers. */
    private static Report.Site agronaSite(Report report, String method, String api) {
        List<Report.Site> found = report.sitesOf(AGRONA).stream().filter(s -> s.method().equals(method) && s.api().equals(api)).toList();
        assertEquals(1, found.size(), "one " + api + " site in " + AGRONA + "." + method + "; its sites:\n"
                + Report.describe(report.sitesOf(AGRONA)));
        Report.Site site = found.getFirst();
        assertEquals("UnsafeApi.java", site.file(), "file of " + site);
        return site;
    }
}
