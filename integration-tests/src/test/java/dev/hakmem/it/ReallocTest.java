package dev.hakmem.it;

import dev.hakmem.it.apps.ReallocApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Unsafe}'s allocate/reallocate/free contract and the size corners, under hakmem exactly as on the
 * JDK: the program checks the behaviour itself, and passes on both.
 */
class ReallocTest {
    private static final String[] FLAGS = {"-XX:MaxDirectMemorySize=512m", "--sun-misc-unsafe-memory-access=allow"};

    @TempDir
    Path dir;

    @Test
    void shouldKeepUnsafesContractForGrowthZeroNegativeAndHugeSizes() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(ReallocApp.class).agent("report=" + file).jvm(FLAGS).run().assertOk();
        Report report = Report.read(file, run);

        assertTrue(run.value("allocateHuge").contains("4611686018427387903"), "the OutOfMemoryError names the size: " + run.value("allocateHuge"));
        assertTrue(run.value("directAboveLimit").contains("536870912"), "the OutOfMemoryError names the limit: " + run.value("directAboveLimit"));
        // the growing block moved four times; whichever site the moves are counted at, nothing is left
        report.site(ReallocApp.class, "grow-allocate", "Unsafe.allocateMemory").assertNothingLive();
        report.site(ReallocApp.class, "allocate-zero", "Unsafe.allocateMemory").assertCounts(0, 0);
        report.site(ReallocApp.class, "from-null", "Unsafe.reallocateMemory").assertCounts(1, 1).assertNothingLive();
        report.site(ReallocApp.class, "direct-256m", "ByteBuffer.allocateDirect").assertCounts(1, 1).assertNothingLive();
        report.site(ReallocApp.class, "direct-1g", "ByteBuffer.allocateDirect").assertCounts(0, 0);
        assertEquals(report.total("allocations"), report.total("frees"), "totals: allocations and frees\n" + report.text());
        assertEquals(0, report.total("liveBlocks"), "totals.liveBlocks\n" + report.text());
        assertEquals(0, report.total("invalidFrees"), "totals.invalidFrees");
        assertEquals(0, report.jdkDirectCount(), "jdk.directCount: the JDK served no buffer");
    }

    @Test
    void shouldPassTheSameChecksWithoutTheAgent() {
        ChildJvm.of(ReallocApp.class).withoutAgent().jvm(FLAGS).run().assertOk();
    }
}
