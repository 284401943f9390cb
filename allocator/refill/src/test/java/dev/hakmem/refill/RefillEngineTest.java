package dev.hakmem.refill;

import dev.hakmem.refill.spi.EventKind;
import dev.hakmem.refill.spi.EventRing;
import dev.hakmem.refill.spi.Policy;
import dev.hakmem.refill.spi.PolicySource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RefillEngineTest {
    private static RefillEngine engine(RefillSettings settings, EventRing events) {
        return RefillEngine.create(settings, events, new PolicySource(RefillEngine.defaultPolicy()));
    }

    private static RefillSettings settings(long limit, int retained) {
        return new RefillSettings(1L << 20, 8L << 20, 3, retained, 0, limit, MemoryRoute.SHM, 4, 64L << 20);
    }

    /**
     * The radix behind every engine's page map is shared by the process: each engine must find only
     * its own spans there, and leave none behind when it closes (else a later mapping at the same
     * addresses, or a stale free, would find a dead engine's span).
     */
    @Test
    void shouldSeeOnlyItsOwnSpansInTheSharedPageMapAndLeaveNoneWhenClosed() {
        RefillEngine mine = engine(settings(Long.MAX_VALUE, 1), new EventRing(64));
        long small;
        long huge;
        try (RefillEngine other = engine(settings(Long.MAX_VALUE, 1), new EventRing(64))) {
            long[] blocks = new long[1];
            assertEquals(1, mine.newHeap().refill(SizeClasses.classOf(64), 1, blocks, 0));
            small = blocks[0];
            huge = mine.allocateHuge(3L << 20, false);
            assertNotNull(mine.spanOf(small));
            assertNotNull(mine.spanOf(huge));
            assertNull(other.spanOf(small), "another engine's block is foreign here");
            assertNull(other.spanOf(huge), "another engine's huge block is foreign here");
            mine.close();
        }
        assertNull(PageMap.anySpanOf(small), "a closed engine's span left in the page map");
        assertNull(PageMap.anySpanOf(huge), "a closed engine's huge span left in the page map");
    }

    /** A span points at its owner cache's stack of its class, and follows when the cache replaces that stack. */
    @Test
    void shouldPointOwnedSpansAtTheCacheStackOfTheirClassAndFollowAReplacement() {
        try (RefillEngine engine = engine(settings(Long.MAX_VALUE, 1), new EventRing(64))) {
            int c = SizeClasses.classOf(256);
            long[][] stacks = new long[SizeClasses.COUNT][];
            stacks[c] = new long[10];
            LocalHeap heap = engine.newHeap();
            TestCache cache = new TestCache(stacks);
            heap.bind(null, cache);
            long[] blocks = new long[4];
            assertEquals(4, heap.refill(c, 4, blocks, 0));
            Span span = engine.spanOf(blocks[0]);
            assertSame(stacks[c], span.ownerStack());
            assertSame(cache, span.ownerCache());
            stacks[c] = new long[20];
            heap.stackReplaced(c);
            assertSame(stacks[c], span.ownerStack());
            Span other = engine.acquireSpan(SizeClasses.classOf(4096), heap);
            assertNull(other.ownerStack(), "a class the cache has no stack for yet");
            engine.releaseSpan(other);
        }
    }

    @Test
    void shouldGrowChunksByAnEighthOfWhatIsMappedUpToTheMaximum() {
        try (RefillEngine engine = engine(settings(Long.MAX_VALUE, 1), new EventRing(64))) {
            LocalHeap heap = engine.newHeap();
            List<Span> spans = new ArrayList<>();
            List<Long> sizes = new ArrayList<>();
            long mapped = 0;
            while (mapped < 80L << 20) { // an eighth of 64 MiB reaches the 8 MiB maximum
                spans.add(engine.acquireSpan(SizeClasses.classOf(64), heap));
                long now = engine.stats().mappedBytes();
                if (now != mapped) {
                    long size = now - mapped;
                    assertTrue(size <= Math.max(1L << 20, mapped / 8 + PageMap.PAGE_SIZE),
                            "a chunk of " + size + " bytes with " + mapped + " mapped");
                    assertTrue(size % PageMap.PAGE_SIZE == 0, "whole pages: " + size);
                    sizes.add(size);
                    mapped = now;
                }
            }
            assertEquals(List.of(1L << 20, 1L << 20, 1L << 20, 1L << 20), sizes.subList(0, 4),
                    "below 8 MiB mapped, chunks stay at the first chunk's size");
            assertEquals(8L << 20, sizes.getLast(), "and grow to the maximum");
            assertTrue(sizes.stream().allMatch(size -> size <= 8L << 20), sizes.toString());
            spans.forEach(engine::releaseSpan);
        }
    }

    /**
     * {@code bin/bench rss}'s Larson holds about 195 one-page spans at its peak: growth by rank alone
     * (1, 2, 4, 8 MiB) mapped 15 MiB for them, a fourth chunk of 8 MiB for the span that did not fit.
     */
    @Test
    void shouldMapAtMostAnEighthMoreThanThePagesSpansHoldPlusOneFirstChunk() {
        for (int count : new int[] {100, 195, 300}) {
            try (RefillEngine engine = engine(settings(Long.MAX_VALUE, 1), new EventRing(64))) {
                LocalHeap heap = engine.newHeap();
                List<Span> spans = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    spans.add(engine.acquireSpan(SizeClasses.classOf(1000), heap));
                }
                long inSpans = (long) count << PageMap.PAGE_SHIFT;
                long mapped = engine.stats().mappedBytes();
                assertTrue(mapped <= inSpans + inSpans / 8 + (1L << 20),
                        count + " spans of 64 KiB: " + mapped + " bytes mapped");
                spans.forEach(engine::releaseSpan);
            }
        }
    }

    @Test
    void shouldGrowChunksAtMostByRankWhenGrowthLevelsAreFew() {
        RefillSettings oneLevel = new RefillSettings(1L << 20, 8L << 20, 1, 1, 0, Long.MAX_VALUE, MemoryRoute.SHM, 4, 64L << 20);
        assertEquals(1L << 20, RefillEngine.nextChunkBytes(0, 0, oneLevel), "the first chunk");
        assertEquals(2L << 20, RefillEngine.nextChunkBytes(64L << 20, 20, oneLevel), "an eighth of 64 MiB, cut to 2 MiB by one level");
        assertEquals(3L << 20, RefillEngine.nextChunkBytes(24L << 20, 10, settings(Long.MAX_VALUE, 1)), "an eighth of 24 MiB");
        assertEquals((1L << 20) + PageMap.PAGE_SIZE, RefillEngine.nextChunkBytes((8L << 20) + 8, 9, settings(Long.MAX_VALUE, 1)),
                "rounded up to whole pages");
    }

    @Test
    void shouldGiveEmptyChunksBackToTheOsBeyondTheRetainedOnes() {
        try (RefillEngine engine = engine(settings(Long.MAX_VALUE, 1), new EventRing(64))) {
            LocalHeap heap = engine.newHeap();
            List<Span> spans = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                spans.add(engine.acquireSpan(SizeClasses.classOf(1024), heap));
            }
            RefillStats full = engine.stats();
            assertTrue(full.mappedBytes() >= 200L << 16);
            spans.forEach(engine::releaseSpan);
            RefillStats after = engine.stats();
            assertEquals(1, after.chunks(), "one empty chunk is retained");
            assertEquals(full.chunks() - 1, after.chunksUnmapped());
            assertTrue(after.mappedBytes() <= 8L << 20);
            engine.trim();
            assertEquals(0, engine.stats().mappedBytes());
        }
    }

    @Test
    void shouldKeepEmptyChunksForTheDecayTimeSoThatACycleReusesThem() throws InterruptedException {
        RefillSettings decaying = new RefillSettings(1L << 20, 8L << 20, 3, 1, 200, Long.MAX_VALUE, MemoryRoute.SHM, 4, 64L << 20);
        try (RefillEngine engine = engine(decaying, new EventRing(64))) {
            LocalHeap heap = engine.newHeap();
            List<Span> spans = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                spans.add(engine.acquireSpan(SizeClasses.classOf(1024), heap));
            }
            int chunks = engine.stats().chunks();
            spans.forEach(engine::releaseSpan);
            assertEquals(chunks, engine.stats().chunks(), "freshly emptied chunks stay mapped");
            spans.clear();
            for (int i = 0; i < 200; i++) {
                spans.add(engine.acquireSpan(SizeClasses.classOf(1024), heap));
            }
            assertEquals(0, engine.stats().chunksUnmapped(), "the second cycle maps nothing new");
            assertEquals(chunks, engine.stats().chunks());
            spans.forEach(engine::releaseSpan);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (engine.stats().chunks() > 1 && System.nanoTime() < deadline) {
                Thread.sleep(20); // nothing else touches the engine: the purger thread gives them back
            }
            assertEquals(1, engine.stats().chunks(), "after the decay time only the retained chunk stays");
        }
    }

    @Test
    void shouldReuseARecentlyFreedHugeMapping() {
        try (RefillEngine engine = engine(settings(Long.MAX_VALUE, 0), new EventRing(64))) {
            long first = engine.allocateHuge(3 << 20, false);
            Span span = engine.spanOf(first);
            assertEquals(SizeClasses.HUGE, span.sizeClass());
            assertEquals(0, span.release(first));
            engine.freeNotOwned(span, first);
            assertEquals(1, engine.stats().hugeCached());
            assertEquals(span, engine.spanOf(first), "a cached huge block stays in the page map, marked free");
            assertEquals(Span.NOT_ALLOCATED, span.release(first), "so a second free is seen as one");
            long second = engine.allocateHuge((3 << 20) - 100, true);
            assertEquals(first, second, "the cached mapping is reused");
            assertEquals(0, engine.stats().hugeCached());
            Span again = engine.spanOf(second);
            assertTrue(again.isAllocated(second));
            again.release(second);
            engine.freeNotOwned(again, second);
            engine.trim();
            assertNull(engine.spanOf(first), "an unmapped huge block leaves the page map");
        }
    }

    @Test
    void shouldReserveOnlyWhatFitsUnderTheLimit() {
        try (RefillEngine engine = engine(settings(1000, 1), new EventRing(64))) {
            assertEquals(900, engine.reserve(3000, 300));
            assertEquals(900, engine.bytesInUse());
            assertEquals(0, engine.reserve(200, 200));
            engine.unreserve(900);
            assertEquals(0, engine.allocateHuge(2 << 20, false), "a huge block over the limit is refused");
            assertTrue(engine.limitMessage(2 << 20).contains("2097152"));
        }
    }

    /**
     * A heap's first carve of a class takes a few blocks and each later one twice the last, up to the
     * policy's batch, so a thread that needs a handful of blocks of a class holds a handful; an idle
     * heap starts small again.
     */
    @Test
    void shouldStartEachClassWithASmallBatchAndDoubleItUpToThePolicys() {
        try (RefillEngine engine = engine(settings(Long.MAX_VALUE, 1), new EventRing(64))) {
            LocalHeap heap = engine.newHeap();
            int c = SizeClasses.classOf(100);
            int policyBatch = SizeClasses.defaultBatch(c);
            long[] blocks = new long[Policy.MAX_BATCH];
            List<Integer> batches = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                batches.add(heap.refill(c, blocks.length, blocks, 0));
            }
            assertEquals(List.of(8, 16, 32, 64, policyBatch, policyBatch), batches);
            assertEquals(8, heap.refill(SizeClasses.classOf(200), blocks.length, blocks, 0), "each class starts on its own");
            assertEquals(3, heap.refill(c, 3, blocks, 0), "the cache's room still bounds a batch");

            heap.restartCarving();
            assertEquals(8, heap.refill(c, blocks.length, blocks, 0), "an idle heap starts small again");
            int large = SizeClasses.classOf(256 * 1024);
            assertEquals(SizeClasses.defaultBatch(large), heap.refill(large, blocks.length, blocks, 0),
                    "a policy batch below the first carve is the policy's");
        }
    }

    @Test
    void shouldRefillFromRemoteFreesBeforeCarving() {
        EventRing events = new EventRing(1 << 10);
        events.attachConsumer();
        try (RefillEngine engine = engine(settings(Long.MAX_VALUE, 1), events)) {
            LocalHeap owner = engine.newHeap();
            int c = SizeClasses.classOf(100);
            long[] batch = new long[64];
            int n = owner.refill(c, batch.length, batch, 0);
            assertEquals(LocalHeap.FIRST_CARVE, n, "a first carve is small");
            // another thread frees three of them
            for (int i = 0; i < 3; i++) {
                Span span = engine.spanOf(batch[i]);
                span.markAllocated(batch[i]);
                assertTrue(span.release(batch[i]) >= 0);
                engine.freeNotOwned(span, batch[i]);
            }
            assertTrue(owner.hasRemoteFrees());
            long[] next = new long[64];
            assertEquals(3, owner.refill(c, 64, next, 0), "the drain answers the refill");
            assertEquals(java.util.Set.of(batch[0], batch[1], batch[2]),
                    java.util.Set.of(next[0], next[1], next[2]));
            Map<EventKind, Integer> seen = new EnumMap<>(EventKind.class);
            events.drain((kind, cls, value) -> seen.merge(kind, 1, Integer::sum), Integer.MAX_VALUE);
            assertEquals(1, seen.get(EventKind.REMOTE_DRAIN));
        }
    }

    /**
     * An owner that does not drain for a while: its inbox fills, and further batches go to its
     * stack of batches as one node each. Every block must come back to the owner once.
     */
    @Test
    void shouldChainBatchesThatTheFullInboxRefusesAndGiveEveryBlockBackOnce() {
        EventRing events = new EventRing(1 << 10);
        events.attachConsumer();
        try (RefillEngine engine = engine(settings(Long.MAX_VALUE, 1), events)) {
            LocalHeap owner = engine.newHeap();
            int c = SizeClasses.classOf(64);
            int total = 1024 + 3 * RemoteFreeBuffer.MAX_BATCH + 5; // the inbox's 1,024, then three chains and a short one
            long[] blocks = new long[total];
            for (int taken = 0; taken < total; ) {
                taken += owner.refill(c, total - taken, blocks, taken);
            }
            RemoteFreeBuffer remote = new RemoteFreeBuffer(engine);
            for (long block : blocks) {
                Span span = engine.spanOf(block);
                span.markAllocated(block);
                assertTrue(span.release(block) >= 0);
                remote.add(span, block);
            }
            remote.flush();
            List<Long> back = new ArrayList<>();
            owner.drainRemote((sizeClass, address) -> {
                back.add(address);
                return -1; // not kept: back to its span
            });
            assertEquals(total, back.size(), "every block came back");
            assertEquals(total, new java.util.HashSet<>(back).size(), "and each once");
            assertEquals(new java.util.HashSet<>(java.util.Arrays.stream(blocks).boxed().toList()), new java.util.HashSet<>(back));
            assertTrue(!owner.hasRemoteFrees(), "nothing left on the queue");
        }
    }

    /**
     * Blocks of three owners freed interleaved (Larson's arrays once they have passed between
     * threads): each owner's blocks wait in a bucket of their own, so nothing is handed over until a
     * bucket is full or the freer flushes, and then every block reaches its own owner once.
     */
    @Test
    void shouldGatherInterleavedOwnersInBucketsOfTheirOwnAndHandEachItsBlocksOnce() {
        try (RefillEngine engine = engine(settings(Long.MAX_VALUE, 1), new EventRing(64))) {
            int c = SizeClasses.classOf(64);
            int perOwner = RemoteFreeBuffer.MAX_BATCH - 1; // one short of a full bucket
            LocalHeap[] owners = {engine.newHeap(), engine.newHeap(), engine.newHeap()};
            long[][] blocks = new long[owners.length][perOwner];
            for (int o = 0; o < owners.length; o++) {
                for (int taken = 0; taken < perOwner; ) {
                    taken += owners[o].refill(c, perOwner - taken, blocks[o], taken);
                }
            }
            RemoteFreeBuffer remote = new RemoteFreeBuffer(engine);
            for (int i = 0; i < perOwner; i++) {
                for (long[] ofOwner : blocks) {
                    Span span = engine.spanOf(ofOwner[i]);
                    span.markAllocated(ofOwner[i]);
                    assertTrue(span.release(ofOwner[i]) >= 0);
                    remote.add(span, ofOwner[i]);
                }
            }
            for (LocalHeap owner : owners) {
                assertTrue(!owner.hasRemoteFrees(), "an owner change alone hands nothing over");
            }
            remote.flush();
            for (int o = 0; o < owners.length; o++) {
                List<Long> back = new ArrayList<>();
                owners[o].drainRemote((sizeClass, address) -> {
                    back.add(address);
                    return -1;
                });
                assertEquals(java.util.Arrays.stream(blocks[o]).boxed().toList(), back, "owner " + o + ": its blocks, once, in order");
            }
        }
    }

    @Test
    void shouldOrphanSpansOfARetiredHeapAndReleaseThemWhenTheLastBlockComesBack() {
        try (RefillEngine engine = engine(settings(Long.MAX_VALUE, 1), new EventRing(64))) {
            LocalHeap owner = engine.newHeap();
            int c = SizeClasses.classOf(2000);
            long[] batch = new long[64];
            int n = owner.refill(c, 64, batch, 0);
            long kept = batch[0];
            Span span = engine.spanOf(kept);
            span.markAllocated(kept);
            owner.flush(c, batch, 1, n - 1);
            owner.retire();
            assertNotEquals(null, engine.spanOf(kept), "the span lives on while a block is out");
            assertEquals(1, engine.stats().spans());
            assertTrue(span.release(kept) >= 0);
            engine.freeNotOwned(span, kept);
            assertEquals(1, engine.stats().orphanFrees());
            assertEquals(0, engine.stats().spans(), "the orphan went back to its chunk when emptied");
            assertEquals(0, engine.bytesInUse());
        }
    }

    @Test
    void shouldKeepOneEmptySpanPerClassAndReleaseTheRest() {
        try (RefillEngine engine = engine(settings(Long.MAX_VALUE, 1), new EventRing(64))) {
            LocalHeap heap = engine.newHeap();
            int c = SizeClasses.classOf(32 * 1024);
            int perSpan = (int) (((long) SizeClasses.spanPages(c) << PageMap.PAGE_SHIFT) / SizeClasses.sizeOf(c));
            long[] blocks = new long[3 * perSpan];
            int n = 0;
            while (n < blocks.length) {
                n += heap.refill(c, blocks.length - n, blocks, n);
            }
            assertTrue(engine.stats().spans() >= 3);
            heap.flush(c, blocks, 0, n);
            assertEquals(1, engine.stats().spans(), "one empty span is kept against churn, the others go back");
            assertTrue(engine.bytesInUse() <= 512 * 1024, "only the heap's unspent credit stays reserved");
            heap.retire();
            assertEquals(0, engine.stats().spans());
            assertEquals(0, engine.bytesInUse());
        }
    }
}
