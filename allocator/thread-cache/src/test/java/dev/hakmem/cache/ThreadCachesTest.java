package dev.hakmem.cache;

import dev.hakmem.refill.RefillEngine;
import dev.hakmem.refill.RefillSettings;
import dev.hakmem.refill.SizeClasses;
import dev.hakmem.refill.Span;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadCachesTest {
    private RefillEngine engine;
    private ThreadCaches caches;

    @BeforeEach
    void start() {
        engine = RefillEngine.createStandalone(RefillSettings.defaults());
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

    @Test
    void shouldGiveEachPlatformThreadItsOwnCacheAndFindItAgain() throws Exception {
        Thread current = Thread.currentThread();
        ThreadCache mine = caches.platformCache(current);
        assertSame(mine, caches.ownCache(current));
        ThreadCache[] other = new ThreadCache[1];
        Thread t = Thread.ofPlatform().start(() -> other[0] = caches.platformCache(Thread.currentThread()));
        t.join();
        assertNotSame(mine, other[0]);
    }

    /**
     * Two live threads whose ids share a slot of the direct-mapped table: the second is found through
     * the directory, and neither is ever handed the other's cache.
     */
    @Test
    void shouldFindEachCacheWhenTwoLiveThreadsShareATableSlot() throws Exception {
        Thread current = Thread.currentThread();
        ThreadCache mine = caches.platformCache(current);
        ThreadCache[] seen = new ThreadCache[3];
        Runnable body = () -> {
            Thread self = Thread.currentThread();
            seen[0] = caches.platformCache(self);
            seen[1] = caches.ownCache(self);
            seen[2] = caches.ownCache(current); // what this thread would find under the other's id
        };
        Thread twin = Thread.ofPlatform().unstarted(body);
        while ((twin.threadId() & 1023) != (current.threadId() & 1023)) {
            twin = Thread.ofPlatform().unstarted(body); // ids are handed out in order: at most 1,023 more
        }
        twin.start();
        twin.join();
        assertNotSame(mine, seen[0]);
        assertSame(seen[0], seen[1], "the twin finds its own cache");
        assertSame(mine, seen[2]);
        assertSame(mine, caches.ownCache(current), "and this thread still finds its own");
    }

    @Test
    void shouldServeAHitFromTheStackItWasFreedTo() {
        ThreadCache cache = caches.platformCache(Thread.currentThread());
        int c = SizeClasses.classOf(64);
        long a = cache.allocate(c);
        free(cache, engine, a);
        assertEquals(a, cache.allocate(c), "LIFO");
        free(cache, engine, a);
    }

    @Test
    void shouldReturnBlockToOwnerWhenFreedByAnotherThread() throws Exception {
        ThreadCache owner = caches.platformCache(Thread.currentThread());
        int c = SizeClasses.classOf(256);
        long a = owner.allocate(c);
        Thread t = Thread.ofPlatform().start(() -> free(caches.platformCache(Thread.currentThread()), engine, a));
        t.join();
        caches.sweepAll(); // the dead freer's batch of remote frees is handed over when its cache retires
        assertTrue(owner.heap().hasRemoteFrees());
        assertEquals(1, caches.totals().remoteFrees());
        // empty the stack so the next allocation refills, which drains the remote free first
        while (owner.cached(c) > 0) {
            owner.allocate(c);
        }
        assertEquals(a, owner.allocate(c));
    }

    @Test
    void shouldRetireTheCacheOfADeadThreadAndGiveItsMemoryBack() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> {
            ThreadCache cache = caches.platformCache(Thread.currentThread());
            for (int i = 0; i < 1000; i++) {
                free(cache, engine, cache.allocate(SizeClasses.classOf(100 + i)));
            }
            done.countDown();
        });
        done.await();
        t.join();
        assertTrue(engine.stats().spans() > 0);
        caches.sweepAll();
        assertEquals(0, caches.totals().liveCaches());
        assertEquals(1, caches.totals().retiredCaches());
        assertEquals(0, engine.bytesInUse(), "the dead thread's cached blocks went back to their spans");
        assertNull(caches.ownCache(t));
    }

    @Test
    void shouldLendStripesToVirtualThreadsOneAtATime() throws Exception {
        ThreadCache first = caches.acquireStripe(0);
        ThreadCache second = caches.acquireStripe(0);
        assertNotSame(first, second, "a held stripe is skipped");
        caches.releaseStripe(first);
        assertSame(first, caches.acquireStripe(0));
        caches.releaseStripe(first);
        caches.releaseStripe(second);
        Thread v = Thread.ofVirtual().start(() ->
                assertThrows(IllegalStateException.class, () -> caches.platformCache(Thread.currentThread())));
        v.join();
        assertNull(caches.ownCache(v), "a virtual thread never gets a slot");
    }

    @Test
    void shouldCountAllocationsAndFreesFromWhatFlowedThroughTheStacks() {
        ThreadCache cache = caches.platformCache(Thread.currentThread());
        long[] blocks = new long[500];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = cache.allocate(SizeClasses.classOf(16 + i));
        }
        CacheTotals during = caches.totals();
        if (HotPathFlags.STATISTICS) {
            assertEquals(500, during.allocations());
            assertEquals(0, during.frees());
        }
        for (long b : blocks) {
            free(cache, engine, b);
        }
        CacheTotals after = caches.totals();
        if (HotPathFlags.STATISTICS) {
            assertEquals(500, after.allocations());
            assertEquals(500, after.frees());
            assertEquals(after.bytesAllocated(), after.bytesFreed());
        }
    }

    @Test
    void shouldPrewarmTheSmallClassesOfANewThreadsCacheWhenAsked() throws Exception {
        ThreadCaches warm = new ThreadCaches(engine, 1, 256);
        int[] cached = new int[3];
        Thread t = Thread.ofPlatform().start(() -> {
            ThreadCache cache = warm.platformCache(Thread.currentThread());
            cached[0] = cache.cached(SizeClasses.classOf(16));
            cached[1] = cache.cached(SizeClasses.classOf(256));
            cached[2] = cache.cached(SizeClasses.classOf(512));
        });
        t.join();
        assertTrue(cached[0] > 0 && cached[1] > 0, "classes up to 256 B are filled before the first allocation");
        assertEquals(0, cached[2], "larger classes are left alone");
        assertEquals(0, caches.platformCache(Thread.currentThread()).cached(SizeClasses.classOf(16)),
                "no pre-warm unless asked");
    }
}
