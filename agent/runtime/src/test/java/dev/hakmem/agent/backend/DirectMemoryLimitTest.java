package dev.hakmem.agent.backend;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectMemoryLimitTest {
    private static final long KIB = 1 << 10;
    private static final long MIB = 1 << 20;

    @Test
    void shouldGiveASmallLimitNoCreditAndStayExact() {
        DirectMemoryLimit limit = new DirectMemoryLimit(MIB);
        assertEquals(0, limit.largestCredited());
        assertEquals(16, reserveUntilRefused(limit, 64 * KIB), "64 KiB buffers in 1 MiB");
        assertEquals(MIB, limit.reserved());
        limit.release(64 * KIB);
        assertTrue(limit.tryReserve(64 * KIB), "a release makes room for one more");
        assertFalse(limit.tryReserve(1), "the limit is full again");
    }

    @Test
    void shouldReachTheLimitExactlyWithSmallBuffersServedFromCredit() {
        DirectMemoryLimit limit = new DirectMemoryLimit(64 * MIB);
        assertEquals(2 * KIB, limit.largestCredited());
        assertEquals(64 * 1024, reserveUntilRefused(limit, KIB), "1 KiB buffers in 64 MiB: the caller's own credit is used up");
        assertEquals(64 * MIB, limit.reserved());
        assertEquals(0, limit.creditHeld());
    }

    @Test
    void shouldCountOnlyBuffersAsReservedWhileThreadsHoldCredit() {
        DirectMemoryLimit limit = new DirectMemoryLimit(1L << 30);
        SplittableRandom random = new SplittableRandom(7);
        List<Long> live = new ArrayList<>();
        long liveBytes = 0;
        for (int i = 0; i < 100_000; i++) {
            if (live.isEmpty() || random.nextInt(3) != 0) {
                long bytes = 1 + random.nextInt(16 * 1024);
                assertTrue(limit.tryReserve(bytes));
                live.add(bytes);
                liveBytes += bytes;
            } else {
                long bytes = live.remove(random.nextInt(live.size()));
                limit.release(bytes);
                liveBytes -= bytes;
            }
            if (i % 1000 == 0) {
                assertEquals(liveBytes, limit.reserved(), "after operation " + i);
                assertTrue(limit.creditHeld() <= 2 * 32 * KIB, "credit held: " + limit.creditHeld());
            }
        }
        live.forEach(limit::release);
        assertEquals(0, limit.reserved());
    }

    @Test
    void shouldTakeBackTheCreditOfDeadThreadsBeforeRefusing() throws Exception {
        DirectMemoryLimit limit = new DirectMemoryLimit(64 * MIB);
        for (int i = 0; i < 2_000; i++) {
            Thread thread = Thread.ofPlatform().start(() -> {
                for (int k = 0; k < 3; k++) {
                    assertTrue(limit.tryReserve(KIB));
                }
                for (int k = 0; k < 3; k++) {
                    limit.release(KIB);
                }
            });
            thread.join();
        }
        assertEquals(0, limit.reserved(), "every buffer was released");
        assertTrue(limit.holders() < 100, "registrations sweep dead threads: " + limit.holders() + " holders left");
        assertEquals(64 * 1024, reserveUntilRefused(limit, KIB), "dead threads' credit came back");
    }

    @Test
    void shouldNeverPassTheLimitUnderConcurrentUse() throws Exception {
        DirectMemoryLimit limit = new DirectMemoryLimit(64 * MIB);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong inBuffers = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            Runnable work = () -> {
                try {
                    SplittableRandom random = new SplittableRandom(seed);
                    List<Long> held = new ArrayList<>();
                    for (int i = 0; i < 200_000; i++) {
                        if (held.size() < 20_000 && random.nextBoolean()) {
                            long bytes = 1 + random.nextInt(2 * 1024);
                            if (limit.tryReserve(bytes)) {
                                held.add(bytes);
                                long now = inBuffers.addAndGet(bytes);
                                assertTrue(now <= 64 * MIB, now + " bytes in buffers under a limit of 64 MiB");
                            }
                        } else if (!held.isEmpty()) {
                            long bytes = held.remove(held.size() - 1);
                            inBuffers.addAndGet(-bytes);
                            limit.release(bytes);
                        }
                    }
                    held.forEach(bytes -> {
                        inBuffers.addAndGet(-bytes);
                        limit.release(bytes);
                    });
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            };
            threads.add(t % 2 == 0 ? Thread.ofPlatform().start(work) : Thread.ofVirtual().start(work));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertNull(failure.get());
        assertEquals(0, limit.reserved(), "every buffer was released");
        assertEquals(64 * 1024, reserveUntilRefused(limit, KIB), "nothing is stranded once the threads are gone");
    }

    /**
     * More live threads than the credit table has slots: some threads find their slot held by another
     * live thread and keep their credit only in the ThreadLocal. Every thread's books must still add up.
     */
    @Test
    void shouldKeepEveryThreadsCreditWhenThreadsOutnumberTheTable() throws Exception {
        DirectMemoryLimit limit = new DirectMemoryLimit(64 * MIB);
        int threads = 300;
        CountDownLatch allHolding = new CountDownLatch(threads);
        CountDownLatch checked = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            started.add(Thread.ofPlatform().start(() -> {
                try {
                    try {
                        for (int k = 0; k < 5; k++) {
                            assertTrue(limit.tryReserve(KIB));
                        }
                    } finally {
                        allHolding.countDown();
                    }
                    checked.await(); // every thread alive and holding credit while the books are read
                    for (int k = 0; k < 5; k++) {
                        limit.release(KIB);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        allHolding.await();
        try {
            assertNull(failure.get());
            assertEquals(threads * 5 * KIB, limit.reserved(), "what the threads hold, their credit aside");
        } finally {
            checked.countDown(); // never leave the threads waiting
        }
        for (Thread thread : started) {
            thread.join();
        }
        assertNull(failure.get());
        assertEquals(0, limit.reserved(), "every buffer was released");
        assertEquals(64 * 1024, reserveUntilRefused(limit, KIB), "nothing is stranded once the threads are gone");
    }

    /** Reserves {@code bytes} at a time until refused; returns how many fitted. */
    private static int reserveUntilRefused(DirectMemoryLimit limit, long bytes) {
        int count = 0;
        while (limit.tryReserve(bytes)) {
            count++;
        }
        return count;
    }
}
