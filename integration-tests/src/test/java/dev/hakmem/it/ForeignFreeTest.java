package dev.hakmem.it;

import dev.hakmem.it.apps.ForeignFreeApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Blocks hakmem did not allocate go to the JDK's realloc and free, untouched and unreported. */
class ForeignFreeTest {

    @TempDir
    Path dir;

    @Test
    void shouldPassForeignBlocksToTheJdkOnReallocateAndFree() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(ForeignFreeApp.class).agent("report=" + file)
                .jvm("--sun-misc-unsafe-memory-access=allow").run().assertOk();
        Report report = Report.read(file, run);

        assertEquals(0, report.total("invalidFrees"), "totals.invalidFrees: a foreign block was taken for an invalid free\n" + report.text());
        assertTrue(run.stderrLines(l -> l.contains("WARN") || l.contains("ERROR")).isEmpty(),
                "the agent complained about the program's foreign frees:\n" + run.describe());
        // the rewritten sites exist, and none of the JDK's blocks were counted as hakmem's
        report.site(ForeignFreeApp.class, "foreign-reallocate", "Unsafe.reallocateMemory").assertCounts(0, 0);
        report.site(ForeignFreeApp.class, "foreign-free", "Unsafe.freeMemory").assertCounts(0, 0);
        report.site(ForeignFreeApp.class, "foreign-free-moved", "Unsafe.freeMemory").assertCounts(0, 0);
        report.site(ForeignFreeApp.class, "free-null", "Unsafe.freeMemory").assertCounts(0, 0);
        assertEquals(0, report.total("allocations"), "totals.allocations\n" + report.text());
    }
}
