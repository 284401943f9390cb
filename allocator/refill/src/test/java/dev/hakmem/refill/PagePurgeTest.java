package dev.hakmem.refill;

import dev.hakmem.refill.spi.EventRing;
import dev.hakmem.refill.spi.PolicySource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Free pages inside a chunk that stays mapped go back to the OS once they have been free for the
 * decay (the mmap route's {@code madvise}), stay in the chunk and the page map, read as zeros when
 * a span takes them again, and are taken after dirty (resident) pages.
 */
class PagePurgeTest {
    private static final int SPAN_CLASS = SizeClasses.classOf(1024);

    private static RefillEngine engine(long decayMillis, MemoryRoute route) {
        RefillSettings settings = new RefillSettings(1L << 20, 8L << 20, 3, 1, decayMillis, Long.MAX_VALUE, route, 4, 64L << 20);
        return RefillEngine.create(settings, new EventRing(64), new PolicySource(RefillEngine.defaultPolicy()));
    }

    private static MemorySegment memoryOf(Span span) {
        return MemorySegment.ofAddress(span.base).reinterpret((long) span.pages << PageMap.PAGE_SHIFT);
    }

    private static void fill(Span span, byte value) {
        memoryOf(span).fill(value);
    }

    /** Every 4 KiB page's first byte and the span's last byte: a purged page reads 0 in each, a dirty one the fill. */
    private static int distinctNonZeroBytes(Span span) {
        MemorySegment memory = memoryOf(span);
        int nonZero = 0;
        for (long offset = 0; offset < memory.byteSize(); offset += 4096) {
            if (memory.get(ValueLayout.JAVA_BYTE, offset) != 0) {
                nonZero++;
            }
        }
        return nonZero;
    }

    @Test
    void shouldPurgeOnlyPagesFreedBeforeTheCutoffAndCountThem() {
        try (RefillEngine engine = engine(60_000, MemoryRoute.MMAP)) { // the purger thread never reaches 60 s here
            LocalHeap heap = engine.newHeap();
            Span live = engine.acquireSpan(SPAN_CLASS, heap); // keeps the chunk from emptying
            Span a = engine.acquireSpan(SPAN_CLASS, heap);
            Span b = engine.acquireSpan(SPAN_CLASS, heap);
            fill(a, (byte) 7);
            fill(b, (byte) 7);
            long before = System.nanoTime();
            engine.releaseSpan(a);
            engine.releaseSpan(b);
            long after = System.nanoTime();
            long bytes = (long) (a.pages + b.pages) << PageMap.PAGE_SHIFT;
            assertEquals(bytes, engine.stats().dirtyBytes(), engine.stats().toString());

            assertEquals(0, engine.purgeDirtyPages(before - 1), "pages freed after the cutoff stay");
            assertEquals(0, engine.stats().purgedBytes());
            assertEquals(bytes, engine.stats().dirtyBytes());

            assertEquals(bytes, engine.purgeDirtyPages(after));
            RefillStats s = engine.stats();
            assertEquals(bytes, s.purgedBytes(), s.toString());
            assertEquals(1, s.purgeCalls(), "two adjacent spans' pages are one run, one call: " + s);
            assertEquals(0, s.dirtyBytes(), s.toString());
            assertEquals(1, s.chunks(), "the chunk stays mapped: " + s);
            assertEquals(0, engine.purgeDirtyPages(Long.MAX_VALUE), "purged pages are not purged again");
            assertTrue(engine.checkInvariants().isEmpty(), engine.checkInvariants().toString());
            engine.releaseSpan(live);
        }
    }

    /**
     * The dirty decay is not the chunk decay: with chunks kept an hour, a free page's memory goes back
     * after the dirty decay, at the purger's visit, while its chunk stays mapped. (The visits are driven
     * with explicit times a minute ahead: the real purger, on real time, purges nothing within the test.)
     */
    @Test
    void shouldPurgeFreePagesAfterTheDirtyDecayLongBeforeTheChunkDecay() {
        try (RefillEngine engine = engineWithDirtyDecay(DIRTY_DECAY_MILLIS)) {
            assertEquals(DIRTY_DECAY_MILLIS, engine.dirtyDecayMillis());
            LocalHeap heap = engine.newHeap();
            Span live = engine.acquireSpan(SPAN_CLASS, heap); // keeps the chunk from emptying
            Span a = engine.acquireSpan(SPAN_CLASS, heap);
            fill(a, (byte) 7);
            long before = System.nanoTime();
            engine.releaseSpan(a);
            long after = System.nanoTime();
            long bytes = (long) a.pages << PageMap.PAGE_SHIFT;

            engine.purgeDecayed(before + DIRTY_DECAY_NANOS - 1_000_000L); // a visit just within the dirty decay
            assertEquals(0, engine.stats().purgedBytes(), "free for less than the dirty decay: kept resident");
            engine.purgeDecayed(after + DIRTY_DECAY_NANOS);
            RefillStats s = engine.stats();
            assertEquals(bytes, s.purgedBytes(), "free for the dirty decay, long before the chunk decay: purged " + s);
            assertEquals(0, s.dirtyBytes(), s.toString());
            assertEquals(1, s.chunks(), "the chunk stays mapped: " + s);
            assertTrue(engine.checkInvariants().isEmpty(), engine.checkInvariants().toString());
            engine.releaseSpan(live);
        }
    }

    /** A learner's chunk decay shorter than the dirty decay bounds it: no page outlives the chunk it would go back with. */
    @Test
    void shouldNeverKeepDirtyPagesLongerThanTheChunkDecayInForce() {
        RefillSettings settings = new RefillSettings(1L << 20, 8L << 20, 3, 1, 3_600_000, Long.MAX_VALUE, MemoryRoute.MMAP, 4,
                64L << 20).withDirtyDecayMillis(2 * DIRTY_DECAY_MILLIS);
        PolicySource policy = new PolicySource(RefillEngine.defaultPolicy());
        try (RefillEngine engine = RefillEngine.create(settings, new EventRing(64), policy)) {
            assertEquals(2 * DIRTY_DECAY_MILLIS, engine.dirtyDecayMillis());
            policy.publish(policy.current().withChunkDecayMillis(DIRTY_DECAY_MILLIS)); // what a learner does
            assertEquals(DIRTY_DECAY_MILLIS, engine.dirtyDecayMillis());
            LocalHeap heap = engine.newHeap();
            Span live = engine.acquireSpan(SPAN_CLASS, heap);
            Span a = engine.acquireSpan(SPAN_CLASS, heap);
            engine.releaseSpan(a);
            long freedBy = System.nanoTime();
            engine.purgeDecayed(freedBy + DIRTY_DECAY_NANOS);
            assertEquals((long) a.pages << PageMap.PAGE_SHIFT, engine.stats().purgedBytes(), engine.stats().toString());
            engine.releaseSpan(live);
        }
    }

    /** A minute: far beyond any test's own run, so the real purger (on real time) never purges what a test drives. */
    private static final long DIRTY_DECAY_MILLIS = 60_000;
    private static final long DIRTY_DECAY_NANOS = DIRTY_DECAY_MILLIS * 1_000_000L;
    private static final long SURPLUS_DECAY_NANOS = DIRTY_DECAY_NANOS / RefillEngine.SURPLUS_DECAY_DIVISOR;

    private static RefillEngine engineWithDirtyDecay(long dirtyDecayMillis) {
        RefillSettings settings = new RefillSettings(1L << 20, 8L << 20, 3, 1, 3_600_000, Long.MAX_VALUE, MemoryRoute.MMAP, 4,
                64L << 20).withDirtyDecayMillis(dirtyDecayMillis);
        return RefillEngine.create(settings, new EventRing(64), new PolicySource(RefillEngine.defaultPolicy()));
    }

    /** A class whose spans are longer than {@link #SPAN_CLASS}'s: they cannot be carved from one of its spans' pages. */
    private static int longerSpanClass() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            if (SizeClasses.spanPages(c) > SizeClasses.spanPages(SPAN_CLASS)) {
                return c;
            }
        }
        throw new AssertionError("no class has longer spans than " + SizeClasses.sizeOf(SPAN_CLASS) + " B blocks");
    }

    /**
     * Pages freed while the demand stayed up (the next span did not fit them and was carved elsewhere)
     * are surplus: they go back after a quarter of the dirty decay, not the whole of it.
     */
    @Test
    void shouldPurgePagesBeyondRecentDemandAfterAQuarterOfTheDirtyDecay() {
        try (RefillEngine engine = engineWithDirtyDecay(DIRTY_DECAY_MILLIS)) {
            LocalHeap heap = engine.newHeap();
            Span live = engine.acquireSpan(SPAN_CLASS, heap);
            Span a = engine.acquireSpan(SPAN_CLASS, heap);
            Span between = engine.acquireSpan(SPAN_CLASS, heap); // a's pages stay a run of their own
            long before = System.nanoTime();
            engine.releaseSpan(a);
            Span longer = engine.acquireSpan(longerSpanClass(), heap); // as much demand as before, on other pages
            long after = System.nanoTime();
            assertTrue(longer.base != a.base, "the longer span does not fit a's pages");

            engine.purgeDecayed(before + SURPLUS_DECAY_NANOS - 1_000_000L);
            assertEquals(0, engine.stats().purgedBytes(), "free for less than a quarter of the decay: kept " + engine.stats());
            engine.purgeDecayed(after + SURPLUS_DECAY_NANOS);
            RefillStats s = engine.stats();
            assertEquals((long) a.pages << PageMap.PAGE_SHIFT, s.purgedBytes(), "no recent demand for them: surplus, purged " + s);
            assertTrue(engine.checkInvariants().isEmpty(), engine.checkInvariants().toString());
            engine.releaseSpan(longer);
            engine.releaseSpan(between);
            engine.releaseSpan(live);
        }
    }

    /**
     * Pages a burst just gave back are within recent demand (its peak): they stay resident for the
     * whole dirty decay, so a burst that comes back sooner reuses them without faults; then they go.
     */
    @Test
    void shouldKeepPagesWithinRecentPeakDemandForTheWholeDirtyDecay() {
        try (RefillEngine engine = engineWithDirtyDecay(DIRTY_DECAY_MILLIS)) {
            LocalHeap heap = engine.newHeap();
            Span live = engine.acquireSpan(SPAN_CLASS, heap);
            List<Span> burst = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                burst.add(engine.acquireSpan(SPAN_CLASS, heap));
            }
            long before = System.nanoTime();
            for (Span span : burst) {
                engine.releaseSpan(span);
            }
            long after = System.nanoTime();

            engine.purgeDecayed(before + SURPLUS_DECAY_NANOS);
            engine.purgeDecayed(before + 2 * SURPLUS_DECAY_NANOS);
            engine.purgeDecayed(before + DIRTY_DECAY_NANOS - 1_000_000L);
            assertEquals(0, engine.stats().purgedBytes(), "within the peak of the last decay: kept " + engine.stats());
            engine.purgeDecayed(after + DIRTY_DECAY_NANOS);
            RefillStats s = engine.stats();
            assertEquals(4L * burst.get(0).pages << PageMap.PAGE_SHIFT, s.purgedBytes(), "free for the dirty decay: purged " + s);
            engine.releaseSpan(live);
        }
    }

    @Test
    void shouldHandOutAPurgedPageAsZerosAndAnUnpurgedOneAsItWasLeft() {
        try (RefillEngine engine = engine(60_000, MemoryRoute.MMAP)) {
            LocalHeap heap = engine.newHeap();
            Span live = engine.acquireSpan(SPAN_CLASS, heap);
            Span a = engine.acquireSpan(SPAN_CLASS, heap);
            fill(a, (byte) 0x5A);
            engine.releaseSpan(a);
            Span again = engine.acquireSpan(SPAN_CLASS, heap);
            assertEquals(a.base, again.base, "the dirty pages are reused");
            assertTrue(distinctNonZeroBytes(again) > 0, "not purged: the pages still hold what the span left (else this test shows nothing)");
            engine.releaseSpan(again);

            engine.purgeDirtyPages(Long.MAX_VALUE);
            Span purged = engine.acquireSpan(SPAN_CLASS, heap);
            assertEquals(a.base, purged.base, "the lowest free pages are the purged ones");
            assertEquals(0, distinctNonZeroBytes(purged), "a purged page reads as zero");
            engine.releaseSpan(purged);
            engine.releaseSpan(live);
        }
    }

    @Test
    void shouldCarveANewSpanFromDirtyPagesBeforePurgedOnes() {
        try (RefillEngine engine = engine(60_000, MemoryRoute.MMAP)) {
            LocalHeap heap = engine.newHeap();
            Span low = engine.acquireSpan(SPAN_CLASS, heap);
            Span middle = engine.acquireSpan(SPAN_CLASS, heap);
            Span high = engine.acquireSpan(SPAN_CLASS, heap);
            engine.releaseSpan(low);
            engine.purgeDirtyPages(Long.MAX_VALUE); // low's pages: free and purged
            engine.releaseSpan(high); // high's pages: free and dirty
            Span next = engine.acquireSpan(SPAN_CLASS, heap);
            assertEquals(high.base, next.base, "first fit would take the lower, purged pages");
            Span after = engine.acquireSpan(SPAN_CLASS, heap);
            assertEquals(low.base, after.base, "with no dirty pages left, first fit again");
            engine.releaseSpan(next);
            engine.releaseSpan(after);
            engine.releaseSpan(middle);
        }
    }

    @Test
    void shouldStillRefuseAFreeIntoASpanWhosePagesWerePurged() {
        try (RefillEngine engine = engine(60_000, MemoryRoute.MMAP)) {
            LocalHeap heap = engine.newHeap();
            Span live = engine.acquireSpan(SPAN_CLASS, heap);
            long[] blocks = new long[1];
            assertEquals(1, heap.refill(SPAN_CLASS, 1, blocks, 0));
            Span span = engine.spanOf(blocks[0]);
            assertTrue(span.release(blocks[0]) >= 0);
            heap.flush(SPAN_CLASS, blocks, 0, 1);
            heap.releaseSpares(); // the span, empty, goes back to its chunk
            assertTrue(engine.spanOf(blocks[0]).isVacant(), "the span was released");
            assertTrue(engine.purgeDirtyPages(Long.MAX_VALUE) > 0);
            Span found = engine.spanOf(blocks[0]);
            assertNotNull(found, "a purged page is still hakmem's: a late free there is not taken for a foreign address");
            assertTrue(found.isVacant());
            assertTrue(found.release(blocks[0]) < 0, "a second free of a block of a purged span is refused");
            engine.releaseSpan(live);
        }
    }

    @Test
    @Timeout(30)
    void shouldPurgeOnTheDecayAndNotBefore() throws InterruptedException {
        long decayMillis = 300;
        try (RefillEngine engine = engine(decayMillis, MemoryRoute.MMAP)) {
            LocalHeap heap = engine.newHeap();
            Span live = engine.acquireSpan(SPAN_CLASS, heap);
            Span a = engine.acquireSpan(SPAN_CLASS, heap);
            fill(a, (byte) 1);
            long released = System.nanoTime();
            engine.releaseSpan(a);
            engine.purgeDecayed(); // what the purger does on a visit
            long purgedEarly = engine.stats().purgedBytes();
            if (System.nanoTime() - released < decayMillis * 1_000_000L) {
                assertEquals(0, purgedEarly, "purged before the decay");
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (engine.stats().purgedBytes() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20); // the purger thread's visits
            }
            long purgedAfter = System.nanoTime() - released;
            RefillStats s = engine.stats();
            assertEquals((long) a.pages << PageMap.PAGE_SHIFT, s.purgedBytes(), "the purger gives the pages back: " + s);
            assertTrue(purgedAfter >= decayMillis * 1_000_000L, "and not before the decay");
            assertEquals(1, s.spans(), "the chunk stays, with its live span: " + s);
            engine.releaseSpan(live);
        }
    }

    @Test
    void shouldPurgeNothingOnARouteThatCannot() {
        try (RefillEngine engine = engine(60_000, MemoryRoute.SHM)) {
            LocalHeap heap = engine.newHeap();
            Span live = engine.acquireSpan(SPAN_CLASS, heap);
            Span a = engine.acquireSpan(SPAN_CLASS, heap);
            engine.releaseSpan(a);
            assertEquals(0, engine.purgeDirtyPages(Long.MAX_VALUE));
            assertEquals(0, engine.stats().purgeCalls());
            engine.releaseSpan(live);
        }
    }
}
