package dev.hakmem.cache;

import dev.hakmem.refill.LocalHeap;
import dev.hakmem.refill.MemoryRoute;
import dev.hakmem.refill.PageMap;
import dev.hakmem.refill.RefillEngine;
import dev.hakmem.refill.RefillSettings;
import dev.hakmem.refill.RefillStats;
import dev.hakmem.refill.SizeClasses;
import dev.hakmem.refill.Span;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A platform thread that goes idle with memory behind its cache: once no cold path has been taken
 * for the decay, the purger's trim (driven here with a scripted clock) gives back its heap's spare
 * spans and the pages of its spans that hold only free blocks, leaves the blocks it still uses
 * intact, does it once per idle period, and the owner gives its cached blocks back at its next cold path.
 */
class IdleCacheTrimTest {
    private static final long DECAY_NANOS = 60_000_000_000L;
    private static final int SIZE = 16 * 1024;
    private static final int BLOCKS = 400;
    private static final int KEEP_EVERY = 50;

    private RefillEngine engine;
    private ThreadCaches caches;

    @BeforeEach
    void start() {
        // a 60 s decay: the purger thread's own visits never find the worker idle during the test
        RefillSettings settings = new RefillSettings(1L << 20, 8L << 20, 3, 1, 60_000, Long.MAX_VALUE, MemoryRoute.MMAP,
                4, 64L << 20);
        engine = RefillEngine.createStandalone(settings);
        caches = new ThreadCaches(engine, 2, 0);
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private static void free(ThreadCache cache, RefillEngine engine, long address) {
        Span span = engine.spanOf(address);
        int index = span.release(address);
        assertTrue(index >= 0);
        cache.free(span, address, index);
    }

    private static MemorySegment block(long address) {
        return MemorySegment.ofAddress(address).reinterpret(SIZE);
    }

    @Test
    @Timeout(60)
    void shouldTrimAnIdleThreadsHeapOncePerIdlePeriodAndKeepItsLiveBlocks() throws Exception {
        int sizeClass = SizeClasses.classOf(SIZE);
        int otherClass = SizeClasses.classOf(64);
        CountDownLatch idle = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int[] cachedBeforeAndAfter = new int[3];
        Thread worker = Thread.ofPlatform().start(() -> {
            try {
                ThreadCache cache = caches.platformCache(Thread.currentThread());
                long[] blocks = new long[BLOCKS];
                for (int i = 0; i < BLOCKS; i++) {
                    blocks[i] = cache.allocate(sizeClass);
                    block(blocks[i]).fill((byte) (i | 1));
                }
                for (int i = 0; i < BLOCKS; i++) {
                    if (i % KEEP_EVERY != 0) {
                        free(cache, engine, blocks[i]);
                    }
                }
                cachedBeforeAndAfter[0] = cache.cached(sizeClass);
                idle.countDown();
                resume.await();
                for (int i = 0; i < BLOCKS; i += KEEP_EVERY) {
                    MemorySegment b = block(blocks[i]);
                    for (long offset = 0; offset < SIZE; offset += 512) {
                        assertEquals((byte) (i | 1), b.get(ValueLayout.JAVA_BYTE, offset), "live block " + i + " at " + offset);
                    }
                }
                long other = cache.allocate(otherClass); // a cold path: the trim asked for the cached blocks
                cachedBeforeAndAfter[1] = cache.cached(sizeClass);
                long again = cache.allocate(sizeClass);
                cachedBeforeAndAfter[2] = cache.cached(sizeClass);
                free(cache, engine, again);
                free(cache, engine, other);
                for (int i = 0; i < BLOCKS; i += KEEP_EVERY) {
                    free(cache, engine, blocks[i]);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        idle.await();
        RefillStats before = engine.stats();
        long now = System.nanoTime();
        caches.trimIdleCaches(now, DECAY_NANOS); // first sight of the idle cache
        caches.trimIdleCaches(now + DECAY_NANOS - 1, DECAY_NANOS);
        assertEquals(before.purgedBytes(), engine.stats().purgedBytes(), "nothing is trimmed before the decay");
        assertEquals(before.spans(), engine.stats().spans());

        caches.trimIdleCaches(now + DECAY_NANOS, DECAY_NANOS);
        RefillStats trimmed = engine.stats();
        assertTrue(trimmed.purgedBytes() > before.purgedBytes(), "the idle heap's free pages go back: " + before + " -> " + trimmed);
        assertTrue(trimmed.spans() < before.spans(), "its spare span goes back to its chunk: " + before + " -> " + trimmed);

        caches.trimIdleCaches(now + 3 * DECAY_NANOS, DECAY_NANOS);
        assertEquals(trimmed.purgeCalls(), engine.stats().purgeCalls(), "one trim per idle period");

        resume.countDown();
        worker.join();
        assertNull(failure.get(), () -> "worker failed: " + failure.get());
        assertTrue(cachedBeforeAndAfter[0] > 0, "the worker went idle with blocks cached (else the flag shows nothing)");
        assertEquals(0, cachedBeforeAndAfter[1], "its next cold path gave the cached blocks back");
        assertTrue(SizeClasses.defaultBatch(sizeClass) > LocalHeap.FIRST_CARVE);
        assertEquals(LocalHeap.FIRST_CARVE - 1, cachedBeforeAndAfter[2], "the trimmed heap carves small again, not its class's full batch");
        assertTrue(engine.checkInvariants().isEmpty(), engine.checkInvariants().toString());
    }

    /** A platform thread that fills {@code blocks} from its own cache and then blocks: no cold path until {@link #finish}. */
    private record IdleProducer(Thread thread, CountDownLatch finishing, AtomicReference<Throwable> failure) {
        static IdleProducer start(ThreadCaches caches, int sizeClass, long[] blocks) throws InterruptedException {
            CountDownLatch allocated = new CountDownLatch(1);
            CountDownLatch finishing = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread thread = Thread.ofPlatform().start(() -> {
                try {
                    ThreadCache cache = caches.platformCache(Thread.currentThread());
                    for (int i = 0; i < blocks.length; i++) {
                        blocks[i] = cache.allocate(sizeClass);
                    }
                    allocated.countDown();
                    finishing.await();
                } catch (Throwable t) {
                    failure.set(t);
                    allocated.countDown();
                }
            });
            allocated.await();
            return new IdleProducer(thread, finishing, failure);
        }

        void finish() throws InterruptedException {
            finishing.countDown();
            thread.join();
            assertNull(failure.get(), () -> "producer failed: " + failure.get());
        }
    }

    /**
     * A thread that allocated, handed its blocks on and then blocked (a main thread in {@code join},
     * a producer gone quiet) has no refill to take back what other threads free: the trim of its idle
     * cache drains those frees into its spans, which then go back, and drains again frees that arrive
     * later in the same idle period.
     */
    @Test
    @Timeout(60)
    void shouldGiveBackBlocksOtherThreadsFreedToAnIdleThread() throws Exception {
        int sizeClass = SizeClasses.classOf(SIZE);
        long[] blocks = new long[BLOCKS];
        IdleProducer producer = IdleProducer.start(caches, sizeClass, blocks);
        ThreadCache consumer = caches.platformCache(Thread.currentThread());
        int half = BLOCKS / 2;
        for (int i = 0; i < half; i++) {
            free(consumer, engine, blocks[i]);
        }
        consumer.flushRemoteFrees();
        long now = System.nanoTime();
        caches.trimIdleCaches(now, DECAY_NANOS); // first sight of both caches
        RefillStats before = engine.stats();

        caches.trimIdleCaches(now + DECAY_NANOS, DECAY_NANOS);
        RefillStats drained = engine.stats();
        assertTrue(drained.spans() < before.spans(), "spans the frees emptied go back: " + before + " -> " + drained);
        assertTrue(drained.bytesInUse() < before.bytesInUse(), "the freed blocks no longer count as in use");

        for (int i = half; i < BLOCKS; i++) {
            free(consumer, engine, blocks[i]);
        }
        consumer.flushRemoteFrees();
        caches.trimIdleCaches(now + DECAY_NANOS + 1, DECAY_NANOS);
        RefillStats all = engine.stats();
        assertTrue(all.spans() < drained.spans(), "frees that came later in the idle period go back too: " + drained + " -> " + all);

        producer.finish();
        assertTrue(engine.checkInvariants().isEmpty(), engine.checkInvariants().toString());
    }

    /**
     * An idle heap that keeps receiving frees is trimmed again at every visit: only the spans those
     * frees reached are looked at again, not every page of every span it owns (a producer's heap of
     * thousands of spans would otherwise cost thousands of page scans and system calls every visit).
     */
    @Test
    @Timeout(60)
    void shouldLookAgainOnlyAtSpansThatFreesReachedWhenTrimmingAgain() throws Exception {
        int sizeClass = SizeClasses.classOf(SIZE);
        int perPage = (int) (PageMap.PAGE_SIZE / SIZE);
        long[] blocks = new long[BLOCKS];
        IdleProducer producer = IdleProducer.start(caches, sizeClass, blocks);
        ThreadCache consumer = caches.platformCache(Thread.currentThread());
        // every other page's worth of blocks: each span keeps live pages between free ones
        List<Long> kept = new ArrayList<>();
        for (long block : blocks) {
            Span span = engine.spanOf(block);
            if ((span.blockIndex(block) / perPage) % 2 == 0) {
                free(consumer, engine, block);
            } else {
                kept.add(block);
            }
        }
        consumer.flushRemoteFrees();
        long now = System.nanoTime();
        caches.trimIdleCaches(now, DECAY_NANOS); // first sight of both caches
        caches.trimIdleCaches(now + DECAY_NANOS, DECAY_NANOS);
        RefillStats first = engine.stats();
        assertTrue(first.purgeCalls() >= 10, "the first trim gives back a free page in every span: " + first);

        free(consumer, engine, kept.removeFirst()); // one more free, into one span
        consumer.flushRemoteFrees();
        caches.trimIdleCaches(now + DECAY_NANOS + 1, DECAY_NANOS);
        RefillStats again = engine.stats();
        assertTrue(again.purgeCalls() - first.purgeCalls() <= 2,
                "only the span the free reached is looked at again: " + first.purgeCalls() + " -> " + again.purgeCalls() + " calls");

        producer.finish();
        for (long block : kept) {
            free(consumer, engine, block);
        }
        consumer.flushRemoteFrees();
        assertTrue(engine.checkInvariants().isEmpty(), engine.checkInvariants().toString());
    }

    @Test
    void shouldNotTrimACacheThatKeepsTakingColdPaths() {
        ThreadCache cache = caches.platformCache(Thread.currentThread());
        int sizeClass = SizeClasses.classOf(SIZE);
        long now = System.nanoTime();
        caches.trimIdleCaches(now, DECAY_NANOS);
        long purged = engine.stats().purgeCalls();
        for (int round = 1; round <= 3; round++) {
            long[] blocks = new long[BLOCKS];
            for (int i = 0; i < BLOCKS; i++) {
                blocks[i] = cache.allocate(sizeClass);
            }
            for (long b : blocks) {
                free(cache, engine, b);
            }
            caches.trimIdleCaches(now + round * DECAY_NANOS, DECAY_NANOS);
        }
        assertEquals(purged, engine.stats().purgeCalls(), "a busy cache is never trimmed");
    }
}
