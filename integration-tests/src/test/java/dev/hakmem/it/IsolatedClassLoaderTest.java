package dev.hakmem.it;

import dev.hakmem.it.apps.IsolatedLoaderApp;
import dev.hakmem.it.apps.isolated.IsolatedCaller;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A class in a null-parent class loader reaches the bridge; its sites are attributed, once per site. */
class IsolatedClassLoaderTest {

    @TempDir
    Path dir;

    @Test
    void shouldServeAndAttributeCallsFromAClassInANullParentClassLoader() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(IsolatedLoaderApp.class).agent("report=" + file).run().assertOk();
        Report report = Report.read(file, run);

        // the same class defined by two loaders: one site each, counting both
        report.site(IsolatedCaller.class, "isolated-direct", "ByteBuffer.allocateDirect").assertCounts(2, 2).assertNothingLive();
        // in replace mode a reallocated block stays with the site that first allocated it (its move counts there
        // as one more allocation and free), so the counts are checked for balance, not split between the two sites
        Report.Site allocate = report.site(IsolatedCaller.class, "isolated-allocate", "Unsafe.allocateMemory").assertNothingLive();
        assertTrue(allocate.allocations() >= 2, "allocations of " + allocate);
        assertEquals(allocate.allocations(), allocate.frees(), "frees of " + allocate);
        report.site(IsolatedCaller.class, "isolated-reallocate", "Unsafe.reallocateMemory").assertNothingLive();
        report.site(IsolatedCaller.class, "isolated-free", "Unsafe.freeMemory");
        report.site(IsolatedCaller.class, "isolated-clean", "Unsafe.invokeCleaner");
        assertEquals(0, report.total("liveBlocks"), "totals.liveBlocks\n" + report.text());
        assertEquals(0, report.jdkDirectCount(), "jdk.directCount");
    }
}
