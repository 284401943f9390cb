package dev.hakmem.it;

import dev.hakmem.it.apps.ExplicitFreeApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Explicit frees and what a replaced direct buffer must be. The program keeps every buffer reachable to
 * its end, so each free in the report is an explicit one.
 */
class ExplicitFreeTest {
    private static final String ALLOCATE_DIRECT = "ByteBuffer.allocateDirect";
    private static final String OPEN_NIO = "--add-opens=java.base/java.nio=ALL-UNNAMED";

    @TempDir
    Path dir;

    @Test
    void shouldFreeAtOnceWhenInvokeCleanerIsCalledDirectlyOrThroughReflectionMethodHandleOrMethodReference() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(ExplicitFreeApp.class).agent("report=" + file).jvm(OPEN_NIO).args("address").run().assertOk();
        Report report = Report.read(file, run);

        for (String route : new String[] {"direct-call", "reflection", "method-handle", "method-reference"}) {
            Report.Site site = report.site(ExplicitFreeApp.class, route, ALLOCATE_DIRECT);
            site.assertCounts(1, 1).assertNothingLive();
            assertTrue(site.bytesAllocated() >= 4096, "bytesAllocated of " + site);
        }
        report.site(ExplicitFreeApp.class, "cleaner-call", "Unsafe.invokeCleaner");
        report.site(ExplicitFreeApp.class, "cleaned-twice", ALLOCATE_DIRECT).assertCounts(1, 1).assertNothingLive();
        // slices, duplicates and heap buffers were refused; the parent is still alive and held
        Report.Site parent = report.site(ExplicitFreeApp.class, "parent-of-slice", ALLOCATE_DIRECT).assertCounts(1, 0);
        assertEquals(1, parent.liveBlocks(), "liveBlocks of " + parent);
        int zeroed = ExplicitFreeApp.ZEROED_SIZES.length * ExplicitFreeApp.ZEROED_ROUNDS;
        report.site(ExplicitFreeApp.class, "zeroed", ALLOCATE_DIRECT).assertCounts(zeroed, zeroed).assertNothingLive();
        assertEquals(0, report.total("invalidFrees"), "totals.invalidFrees");
        assertEquals(0, report.jdkDirectCount(), "jdk.directCount: the JDK served none of the program's buffers\n" + report.text());
        assertEquals("ok", run.value("address"), "Netty-style address read");
        assertTrue(Integer.parseInt(run.value("zeroedReused")) > 0,
                "hakmem never handed the same memory back, so zeroing over recycled memory was not tested:\n" + run.describe());
    }

    @Test
    void shouldPassTheSameChecksWithoutTheAgent() {
        ChildJvm.of(ExplicitFreeApp.class).withoutAgent().jvm(OPEN_NIO).args("address").run().assertOk();
    }
}
