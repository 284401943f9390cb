package dev.hakmem.refill;

import dev.hakmem.refill.spi.EventRing;
import dev.hakmem.refill.spi.PolicySource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A span that a dead thread left with a few blocks out (an orphan) gives back, after the dirty decay,
 * the OS pages that only free blocks overlap; its live blocks keep their bytes, and while its pages
 * are being given back no refill adopts it and no free releases it.
 */
class OrphanPurgeTest {
    private static final int C = SizeClasses.classOf(1024);
    private static final long HOUR_NANOS = 3_600_000_000_000L;

    /** Decays of an hour: the purger's own visits never purge during a test; the test drives {@link RefillEngine#purgeOrphans}. */
    private static RefillEngine engine() {
        RefillSettings settings = new RefillSettings(1L << 20, 8L << 20, 3, 1, 3_600_000, Long.MAX_VALUE, MemoryRoute.MMAP, 4,
                64L << 20, RefillSettings.AS_MAPPED, 3_600_000);
        return RefillEngine.create(settings, new EventRing(64), new PolicySource(RefillEngine.defaultPolicy()));
    }

    private static int blocksPerSpan() {
        return (int) (((long) SizeClasses.spanPages(C) << PageMap.PAGE_SHIFT) / SizeClasses.sizeOf(C));
    }

    private static MemorySegment block(long address) {
        return MemorySegment.ofAddress(address).reinterpret(SizeClasses.sizeOf(C));
    }

    /** A dead heap's span of C with only its first and last blocks still out, every block written first. */
    private static long[] orphanWithEndsOut(RefillEngine engine) {
        LocalHeap dying = engine.newHeap();
        int perSpan = blocksPerSpan();
        long[] blocks = new long[perSpan];
        int n = 0;
        while (n < perSpan) {
            n += dying.refill(C, perSpan - n, blocks, n);
        }
        java.util.Arrays.sort(blocks);
        for (long b : blocks) {
            engine.spanOf(b).markAllocated(b);
            block(b).fill((byte) 0x5A);
        }
        Span span = engine.spanOf(blocks[0]);
        assertSame(span, engine.spanOf(blocks[perSpan - 1]), "one span");
        dying.flush(C, blocks, 1, perSpan - 2);
        dying.retire();
        assertEquals(1, engine.stats().orphanSpans());
        return new long[] {blocks[0], blocks[perSpan - 1], blocks[perSpan / 2]};
    }

    private static void freeElsewhere(RefillEngine engine, long block) {
        Span span = engine.spanOf(block);
        assertTrue(span.release(block) >= 0, "the block was out");
        engine.freeNotOwned(span, block);
    }

    @Test
    void shouldGiveBackAnOrphansFreePagesAfterTheDecayAndKeepItsLiveBlocks() {
        try (RefillEngine engine = engine()) {
            long[] ends = orphanWithEndsOut(engine);
            Span span = engine.spanOf(ends[0]);
            long granule = 4096;
            long[] runs = span.freeRuns(granule);
            long expected = 0;
            for (int r = 1; r < runs.length; r += 2) {
                expected += runs[r];
            }
            long spanBytes = (long) span.pages << PageMap.PAGE_SHIFT;
            assertEquals(spanBytes - 2 * granule, expected, "all but the two OS pages under the live blocks");

            long now = System.nanoTime();
            assertEquals(0, engine.purgeOrphans(now, HOUR_NANOS), "nothing before the decay");
            long purged = engine.purgeOrphans(now + HOUR_NANOS, HOUR_NANOS);
            assertTrue(purged > 0 && purged % granule == 0 && purged <= expected, "purged " + purged);
            assertEquals(purged, engine.stats().purgedBytes());
            assertEquals((byte) 0, block(ends[2]).get(ValueLayout.JAVA_BYTE, 0), "a free block in the middle reads as given back");
            for (long live : new long[] {ends[0], ends[1]}) {
                for (long offset = 0; offset < SizeClasses.sizeOf(C); offset += 64) {
                    assertEquals((byte) 0x5A, block(live).get(ValueLayout.JAVA_BYTE, offset), "a live block keeps its bytes");
                }
            }
            assertEquals(0, engine.purgeOrphans(now + 2 * HOUR_NANOS, HOUR_NANOS), "no block came back since: not looked at again");

            // the orphan is still adoptable, and serves its free blocks
            LocalHeap heir = engine.newHeap();
            long[] got = new long[1];
            assertEquals(1, heir.refill(C, 1, got, 0));
            assertSame(span, engine.spanOf(got[0]), "adopted after its purge");
            assertEquals(1, engine.stats().orphansAdopted());
            heir.flush(C, got, 0, 1);
            freeElsewhere(engine, ends[0]);
            freeElsewhere(engine, ends[1]);
            heir.drainRemote();
            heir.retire();
            assertEquals(0, engine.stats().spans());
            assertEquals(java.util.List.of(), engine.checkInvariants());
        }
    }

    @Test
    void shouldNeitherAdoptNorReleaseAnOrphanWhileItsPagesAreGivenBack() {
        try (RefillEngine engine = engine()) {
            long[] ends = orphanWithEndsOut(engine);
            Span span = engine.spanOf(ends[0]);
            LocalHeap other = engine.newHeap();
            AtomicReference<String> inside = new AtomicReference<>();
            engine.onOrphanPurge(() -> {
                long[] got = new long[1];
                other.refill(C, 1, got, 0);
                if (engine.spanOf(got[0]) == span) {
                    inside.set("a refill adopted the orphan while its pages were being given back");
                    return;
                }
                other.flush(C, got, 0, 1);
                freeElsewhere(engine, ends[0]);
                freeElsewhere(engine, ends[1]); // the orphan is empty now
                if (engine.spanOf(ends[0]) != span || engine.stats().orphanSpans() != 1) {
                    inside.set("the emptied orphan was released while its pages were being given back");
                }
            });
            long now = System.nanoTime();
            assertTrue(engine.purgeOrphans(now + HOUR_NANOS, HOUR_NANOS) > 0);
            assertNull(inside.get(), inside::get);
            RefillStats after = engine.stats();
            assertEquals(0, after.orphanSpans(), "released once its purge ended");
            assertNotSame(span, engine.spanOf(ends[0]), "its pages are free again");
            other.retire();
            assertEquals(0, engine.stats().spans());
            assertEquals(0, engine.bytesInUse());
            assertEquals(java.util.List.of(), engine.checkInvariants());
        }
    }
}
