package dev.hakmem.it;

import dev.hakmem.it.apps.ObserveApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mode=observe}: the JDK allocates as always; hakmem still attributes every site. */
class ObserveModeTest {

    @TempDir
    Path dir;

    @Test
    void shouldLeaveAllocationToTheJdkAndStillAttributeTheSites() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(ObserveApp.class).agent("mode=observe,report=" + file)
                .jvm("--sun-misc-unsafe-memory-access=allow").run().assertOk();
        Report report = Report.read(file, run);

        assertEquals("observe", report.totalText("mode"), "totals.mode");
        assertTrue(Long.parseLong(run.value("jdkDirectCount")) >= 10, "the JDK's pool holds the buffers while they live:\n" + run.describe());
        assertTrue(report.jdkDirectCount() >= 10, "jdk.directCount at exit, with ten buffers held\n" + report.text());
        assertTrue(report.jdkDirectBytes() >= 100_000, "jdk.directBytes at exit\n" + report.text());

        // observe mode counts requested bytes
        Report.Site direct = report.site(ObserveApp.class, "observe-direct", "ByteBuffer.allocateDirect").assertCounts(10, 0);
        assertEquals(100_000, direct.bytesAllocated(), "bytesAllocated of " + direct);
        assertEquals(100_000, direct.liveBytes(), "liveBytes of " + direct);
        Report.Site kept = report.site(ObserveApp.class, "observe-kept", "Unsafe.allocateMemory").assertCounts(1, 0);
        assertEquals(777, kept.liveBytes(), "liveBytes of " + kept);
        // the first block, moved by reallocateMemory and then freed: nothing of it is left anywhere
        report.site(ObserveApp.class, "observe-allocate", "Unsafe.allocateMemory").assertNothingLive();
        report.site(ObserveApp.class, "observe-reallocate", "Unsafe.reallocateMemory").assertNothingLive();
        // freed at once by invokeCleaner: counted as freed then, not when the GC gets to the buffer
        report.site(ObserveApp.class, "observe-cleaned", "ByteBuffer.allocateDirect").assertCounts(1, 1).assertNothingLive();
        assertEquals(0, report.total("invalidFrees"), "totals.invalidFrees");
    }
}
