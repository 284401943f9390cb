package dev.hakmem.it;

import dev.hakmem.it.apps.SliceApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** Slices, duplicates and views of a hakmem buffer keep its memory alive; unreachable, it is released. */
class SliceTest {
    private static final String ALLOCATE_DIRECT = "ByteBuffer.allocateDirect";

    @TempDir
    Path dir;

    @Test
    void shouldKeepParentMemoryAliveWhileOnlyASliceDuplicateOrViewIsReachable() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(SliceApp.class).agent("report=" + file).run().assertOk();
        Report report = Report.read(file, run);

        // five parents (one was sliced twice), all released once they and their derived buffers became unreachable
        report.site(SliceApp.class, "parent", ALLOCATE_DIRECT).assertCounts(4, 4).assertNothingLive();
        report.site(SliceApp.class, "view-parent", ALLOCATE_DIRECT).assertCounts(1, 1).assertNothingLive();
        report.site(SliceApp.class, "churn", ALLOCATE_DIRECT).assertCounts(5 * 64, 5 * 64).assertNothingLive();
    }

    @Test
    void shouldPassTheSameChecksWithoutTheAgent() {
        ChildJvm.of(SliceApp.class).withoutAgent().run().assertOk();
    }
}
