package dev.hakmem;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.hakmem.TestMemory.getLong;
import static dev.hakmem.TestMemory.mib;
import static dev.hakmem.TestMemory.putLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server that starts a thread per request: 100,000 short-lived platform threads, eight at a time,
 * each allocating a few blocks of every tier, freeing most and leaving two for the main thread, which
 * frees them a little later, when their owner may be running, dead but not yet retired, or retired
 * (its span then in the orphanage). Each registration retires a few dead caches, so memory must
 * stay flat however many threads have come and gone.
 *
 * <p>What may be held at any moment, and so the bounds:
 * <ul>
 *   <li>each running or not-yet-retired thread owns a span per class it used, about 1.2 MiB for the
 *       sizes below (the 200 kB block alone has a 448 KiB span), and reserves about 1 MiB of blocks
 *       (a batch per class) plus up to 512 KiB of limit credit;</li>
 *   <li>each leftover the main thread holds pins the span of its dead owner (at most 192 KiB for the
 *       sizes left over), {@value #LEFTOVER_WINDOW} of them;</li>
 *   <li>chunks are carved first-fit, so pinned spans scattered over chunks keep those mapped.</li>
 * </ul>
 * With 8 running and a handful awaiting retirement that is some 20 to 40 MiB (23 MiB measured, sampled
 * every {@value #SAMPLE_EVERY} threads), so the bound is 64 MiB; a leak of even one span
 * per thread would pass 6 GiB. The limit of {@value #LIMIT_MIB} MiB makes the run fail at once, with
 * an OutOfMemoryError in a worker, if dead threads' caches stop being retired.
 */
class ThreadChurnTest {
    private static final int THREADS = 100_000;
    private static final int CONCURRENT = 8;
    private static final int LEFTOVER_WINDOW = 128;
    private static final int SAMPLE_EVERY = 2_000;
    private static final long LIMIT_MIB = 96;
    private static final long MAPPED_BOUND = 64L << 20;
    /** tiny, tiny, tiny, mid, mid, mid, large; the first five may be left over. */
    private static final int[] SIZES = {24, 100, 700, 3_000, 20_000, 40_000, 200_000};
    private static final int LEFT_OVER_FROM = 5;

    @Test
    @Timeout(180)
    void shouldStayBoundedAndGiveEverythingBackAcrossAHundredThousandShortLivedThreads() throws Exception {
        try (HakmemAllocator allocator = HakmemAllocator.create(HakmemConfig.defaults().withLimit(LIMIT_MIB << 20))) {
            HakmemStats start = allocator.stats();
            Queue<long[]> leftovers = new ConcurrentLinkedQueue<>(); // {address, size, tag}
            AtomicInteger pending = new AtomicInteger();
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicInteger broken = new AtomicInteger();
            Thread[] running = new Thread[CONCURRENT];
            long maxMapped = 0;
            int maxSpans = 0;
            long maxReserved = 0;
            long began = System.nanoTime();

            for (int i = 0; i < THREADS && failures.isEmpty(); i++) {
                int slot = i % CONCURRENT;
                if (running[slot] != null) {
                    running[slot].join();
                }
                int n = i;
                running[slot] = Thread.ofPlatform().start(() -> {
                    try {
                        long[] blocks = new long[SIZES.length];
                        for (int k = 0; k < SIZES.length; k++) {
                            blocks[k] = allocator.allocate(SIZES[k]);
                            putLong(blocks[k], 0, n);
                            putLong(blocks[k], SIZES[k] - 8, n);
                        }
                        int keepA = n % LEFT_OVER_FROM;
                        int keepB = (n + 2) % LEFT_OVER_FROM;
                        for (int k = 0; k < SIZES.length; k++) {
                            if (k == keepA || k == keepB) {
                                leftovers.add(new long[] {blocks[k], SIZES[k], n});
                                pending.incrementAndGet();
                            } else {
                                allocator.free(blocks[k]);
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                while (pending.get() > LEFTOVER_WINDOW) {
                    freeLeftover(allocator, leftovers.poll(), broken);
                    pending.decrementAndGet();
                }
                if (i % SAMPLE_EVERY == SAMPLE_EVERY - 1) {
                    HakmemStats s = allocator.stats();
                    maxMapped = Math.max(maxMapped, s.mappedBytes());
                    maxSpans = Math.max(maxSpans, s.spans());
                    maxReserved = Math.max(maxReserved, s.bytesReserved());
                    assertTrue(s.mappedBytes() < MAPPED_BOUND, "after " + (i + 1) + " threads: " + s);
                }
            }
            for (Thread t : running) {
                if (t != null) {
                    t.join();
                }
            }
            long seconds = (System.nanoTime() - began) / 1_000_000_000L;
            assertTrue(failures.isEmpty(), () -> "a worker failed: " + failures.peek());
            long[] leftover;
            while ((leftover = leftovers.poll()) != null) {
                freeLeftover(allocator, leftover, broken);
            }
            assertEquals(0, broken.get(), "leftover blocks were overwritten");

            HakmemStats swept = allocator.stats(); // every worker is dead: this retires the last caches
            assertEquals(0, swept.liveBlocks(), swept.toString());
            assertEquals(0, swept.liveBytes(), swept.toString());
            assertTrue(swept.retiredCaches() >= THREADS, "every worker's cache was retired: " + swept);
            assertTrue(swept.threadCaches() <= 1, "only the main thread's cache is left: " + swept);
            // the main thread's last frees of other threads' blocks wait in its remote-free batch until it
            // reaches a boundary; it will not allocate again, so it hands them over as an idle thread would
            // (see BurstReturnsMemoryTest#shouldGiveBackForeignBlocksAnIdleThreadFreedWhenTrimmed)
            allocator.releaseThreadCache();
            allocator.trim();
            HakmemStats end = allocator.stats();
            System.out.printf("ThreadChurnTest: %d threads in %d s; peak mapped %s, spans %d, reserved %s (sampled every %d threads); end %s%n",
                    THREADS, seconds, mib(maxMapped), maxSpans, mib(maxReserved), SAMPLE_EVERY, end);
            assertEquals(start.spans(), end.spans(), "spans back to the start: " + end);
            assertEquals(start.mappedBytes(), end.mappedBytes(), "mapped bytes back to the start: " + end);
            assertEquals(start.bytesReserved(), end.bytesReserved(), "nothing reserved: " + end);
        }
    }

    private static void freeLeftover(HakmemAllocator allocator, long[] leftover, AtomicInteger broken) {
        long address = leftover[0];
        if (getLong(address, 0) != leftover[2] || getLong(address, leftover[1] - 8) != leftover[2]) {
            broken.incrementAndGet();
        }
        allocator.free(address);
    }
}
