package dev.hakmem.refill;

import dev.hakmem.refill.spi.EventRing;
import dev.hakmem.refill.spi.PolicySource;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spans that a retiring heap leaves with blocks out (orphans) are carved again: a refill of their
 * class adopts one before it carves a new span, so a program that re-creates threads does not leave
 * behind partly used spans that nothing fills. The blocks still out come home to the new owner.
 */
class OrphanAdoptionTest {
    private static final int C = SizeClasses.classOf(2000);

    private static RefillEngine engine() {
        return RefillEngine.create(new RefillSettings(1L << 20, 8L << 20, 3, 1, 0, Long.MAX_VALUE, MemoryRoute.SHM, 4, 64L << 20),
                new EventRing(64), new PolicySource(RefillEngine.defaultPolicy()));
    }

    private static int blocksPerSpan(int sizeClass) {
        return (int) (((long) SizeClasses.spanPages(sizeClass) << PageMap.PAGE_SHIFT) / SizeClasses.sizeOf(sizeClass));
    }

    /** Takes exactly {@code count} blocks of {@code sizeClass} from {@code heap}, handed to the "user". */
    private static long[] take(LocalHeap heap, int sizeClass, int count) {
        long[] blocks = new long[count];
        int n = 0;
        while (n < count) {
            n += heap.refill(sizeClass, count - n, blocks, n);
        }
        for (long block : blocks) {
            heap.engine().spanOf(block).markAllocated(block);
        }
        return blocks;
    }

    /** What a thread that does not own {@code block} does to free it. */
    private static void freeElsewhere(RefillEngine engine, long block) {
        engine.freeNotOwned(release(engine, block), block);
    }

    @Test
    void shouldAdoptARetiredHeapsPartlyUsedSpanBeforeCarvingANewOne() {
        try (RefillEngine engine = engine()) {
            LocalHeap dying = engine.newHeap();
            long[] out = take(dying, C, 4);
            Span span = engine.spanOf(out[0]);
            dying.flush(C, out, 1, 3);
            dying.retire();
            assertEquals(1, engine.stats().orphanSpans());

            LocalHeap heir = engine.newHeap();
            long[] got = take(heir, C, blocksPerSpan(C) - 1);
            for (long block : got) {
                assertSame(span, engine.spanOf(block), "every free block of the orphan is served before a new span is carved");
            }
            RefillStats s = engine.stats();
            assertEquals(1, s.spans());
            assertEquals(0, s.orphanSpans());
            assertEquals(1, s.orphansAdopted());
            assertSame(heir, span.owner());

            // the block the dead thread left out comes home to the heir, not to the orphanage
            freeElsewhere(engine, out[0]);
            assertEquals(0, engine.stats().orphanFrees());
            assertTrue(heir.hasRemoteFrees());
            heir.drainRemote();
            assertEquals(Span.NOT_ALLOCATED, span.release(out[0]), "a second free of it is refused");
            heir.flush(C, got, 0, got.length);
            heir.retire();
            assertEquals(0, engine.stats().spans());
            assertEquals(0, engine.bytesInUse());
            assertEquals(java.util.List.of(), engine.checkInvariants());
        }
    }

    /** The retired heap's list links are stale: an adopted span must still join its new heap's list. */
    @Test
    void shouldServeEveryFreeBlockOfSeveralOrphansThatTheirHeapHadLinked() {
        try (RefillEngine engine = engine()) {
            int perSpan = blocksPerSpan(C);
            LocalHeap dying = engine.newHeap();
            long[] out = take(dying, C, 3 * perSpan);
            Set<Span> orphans = new HashSet<>();
            long[] kept = new long[3];
            int k = 0;
            for (int i = 0; i < out.length; i++) {
                Span span = engine.spanOf(out[i]);
                if (orphans.add(span)) {
                    kept[k++] = out[i]; // one block of each span stays out
                } else {
                    dying.flush(C, out, i, 1);
                }
            }
            assertEquals(3, orphans.size());
            dying.retire();
            assertEquals(3, engine.stats().orphanSpans());

            LocalHeap heir = engine.newHeap();
            long[] got = take(heir, C, 3 * (perSpan - 1));
            for (long block : got) {
                assertTrue(orphans.contains(engine.spanOf(block)), "served from an orphan");
            }
            assertEquals(3, engine.stats().spans(), "no span carved while the orphans had free blocks");
            assertEquals(3, engine.stats().orphansAdopted());
            long[] next = take(heir, C, 1);
            assertTrue(!orphans.contains(engine.spanOf(next[0])));
            assertEquals(4, engine.stats().spans());

            for (long block : kept) {
                freeElsewhere(engine, block);
            }
            heir.drainRemote();
            heir.flush(C, got, 0, got.length);
            heir.flush(C, next, 0, 1);
            heir.retire();
            assertEquals(0, engine.stats().spans());
            assertEquals(java.util.List.of(), engine.checkInvariants());
        }
    }

    @Test
    void shouldOfferAFullOrphanOnceABlockOfItComesBack() {
        try (RefillEngine engine = engine()) {
            LocalHeap dying = engine.newHeap();
            long[] out = take(dying, C, blocksPerSpan(C));
            Span full = engine.spanOf(out[0]);
            dying.retire();

            LocalHeap first = engine.newHeap();
            long[] a = take(first, C, 1);
            assertNotSame(full, engine.spanOf(a[0]), "a full orphan has nothing to give");
            assertEquals(0, engine.stats().orphansAdopted());

            freeElsewhere(engine, out[5]);
            assertEquals(1, engine.stats().orphanFrees());
            LocalHeap second = engine.newHeap();
            long[] b = take(second, C, 1);
            assertEquals(out[5], b[0], "the block that came back is served from the adopted span");
            assertSame(second, full.owner());
            assertEquals(1, engine.stats().orphansAdopted());
            assertEquals(java.util.List.of(), engine.checkInvariants());
        }
    }

    /** An orphan that empties is released: it must leave the list, or a refill would adopt a span that is gone. */
    @Test
    void shouldForgetAnOrphanThatEmptiedBeforeAnyoneAdoptedIt() {
        try (RefillEngine engine = engine()) {
            LocalHeap dying = engine.newHeap();
            long[] out = take(dying, C, 2);
            dying.retire();
            freeElsewhere(engine, out[0]);
            freeElsewhere(engine, out[1]);
            RefillStats s = engine.stats();
            assertEquals(0, s.orphanSpans());
            assertEquals(0, s.spans());

            LocalHeap heir = engine.newHeap();
            long[] got = take(heir, C, 1);
            assertEquals(0, engine.stats().orphansAdopted());
            assertEquals(1, engine.stats().spans());
            assertSame(heir, engine.spanOf(got[0]).owner());
            assertEquals(java.util.List.of(), engine.checkInvariants());
        }
    }

    /** Long-lived spans stay apart (their point): only a refill of the same long-lived lane adopts one. */
    @Test
    void shouldAdoptALongLivedOrphanOnlyIntoTheSameLane() {
        try (RefillEngine engine = engine()) {
            LocalHeap dying = engine.newHeap();
            long[] out = new long[4];
            assertEquals(4, dying.refillLongLived(1, C, 4, out, 0));
            Span longLived = engine.spanOf(out[0]);
            longLived.markAllocated(out[0]);
            dying.flush(C, out, 1, 3);
            dying.retire();

            LocalHeap heir = engine.newHeap();
            long[] ordinary = take(heir, C, 1);
            assertNotSame(longLived, engine.spanOf(ordinary[0]));
            long[] otherLane = new long[1];
            assertEquals(1, heir.refillLongLived(0, C, 1, otherLane, 0));
            assertNotSame(longLived, engine.spanOf(otherLane[0]));
            assertEquals(0, engine.stats().orphansAdopted());

            long[] sameLane = new long[1];
            assertEquals(1, heir.refillLongLived(1, C, 1, sameLane, 0));
            assertSame(longLived, engine.spanOf(sameLane[0]));
            assertTrue(longLived.isLongLived());
            assertEquals(1, engine.stats().orphansAdopted());
        }
    }

    /**
     * Frees gathered for a heap that retires before they are handed over: those of spans still
     * orphaned go back to them, those of a span adopted meanwhile to its new owner; each once.
     */
    @Test
    void shouldSendGatheredFreesOfARetiredHeapToTheOrphanageOrTheSpansNewOwner() {
        try (RefillEngine engine = engine()) {
            int other = SizeClasses.classOf(300);
            LocalHeap dying = engine.newHeap();
            long[] a = take(dying, C, 4);
            long[] b = take(dying, other, 4);
            RemoteFreeBuffer freer = new RemoteFreeBuffer(engine);
            for (int i = 0; i < 3; i++) { // the fourth of each stays out, so neither span empties
                freer.add(release(engine, a[i]), a[i]);
                freer.add(release(engine, b[i]), b[i]);
            }
            dying.retire();
            LocalHeap heir = engine.newHeap();
            long[] got = take(heir, C, 1);
            Span adopted = engine.spanOf(a[0]);
            assertSame(adopted, engine.spanOf(got[0]), "the heir adopted the orphan of class C");

            freer.flush();
            assertEquals(3, engine.stats().orphanFrees(), "the other class's three went back to their orphan");
            java.util.List<Long> queued = new java.util.ArrayList<>();
            heir.drainRemote((sizeClass, address) -> {
                queued.add(address);
                return -1;
            });
            assertEquals(java.util.List.of(a[0], a[1], a[2]), queued, "the adopted span's three went to the heir, once each");
            assertEquals(java.util.List.of(), engine.checkInvariants());
        }
    }

    private static Span release(RefillEngine engine, long block) {
        Span span = engine.spanOf(block);
        assertTrue(span.release(block) >= 0, "the block was out");
        return span;
    }
}
