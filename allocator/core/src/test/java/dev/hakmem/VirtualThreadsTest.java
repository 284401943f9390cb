package dev.hakmem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static dev.hakmem.TestMemory.getLong;
import static dev.hakmem.TestMemory.mib;
import static dev.hakmem.TestMemory.putLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A million virtual threads share the striped caches: however many come and go, the number of
 * caches, and so the memory they hold, must not grow. Each thread allocates a few blocks, frees most,
 * and leaves one for another virtual thread to free (through a queue), so frees cross stripes; in the
 * second test threads also unmount between allocating and freeing, so a thread may resume on another
 * carrier and take another stripe.
 *
 * <p>Bound on mapped memory: each of the {@value #STRIPES} stripes may cache twice a refill batch per
 * class, which for the ~22 mid classes used here (batches of 256 KiB) is about 11 MiB, plus 1 MiB of
 * tiny blocks: some 48 MiB cached in all (34 MiB measured), plus spans part-used by blocks in flight
 * and first-fit chunks: 40 to 80 MiB measured. The bound is {@value #MAPPED_BOUND_MIB} MiB, and after
 * the first half of the run mapped memory may grow by at most three 8 MiB chunks: it must plateau.
 * A leak of one span per virtual thread would need 64 GiB; of one block, several GiB.
 */
class VirtualThreadsTest {
    private static final int STRIPES = 4;
    private static final int IN_FLIGHT = 2_000;
    private static final long MAPPED_BOUND_MIB = 128;
    private static final long MAPPED_BOUND = MAPPED_BOUND_MIB << 20;
    private static final long PLATEAU_SLACK = 24L << 20;

    private HakmemAllocator allocator;
    private final Queue<long[]> handoff = new ConcurrentLinkedQueue<>(); // {address, tag}
    private final AtomicLong broken = new AtomicLong();
    private final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private long maxMapped;
    private long maxMappedFirstHalf;
    private int maxCaches;
    private final StringBuilder series = new StringBuilder();

    @BeforeEach
    void start() {
        allocator = HakmemAllocator.create(HakmemConfig.defaults().withStripes(STRIPES));
    }

    @AfterEach
    void stop() {
        allocator.close();
    }

    private static int randomSize(ThreadLocalRandom random) {
        return random.nextInt(4) == 0 ? random.nextInt(1025, 50_000) : random.nextInt(8, 1025);
    }

    private long allocateTagged(int size, long tag) {
        long address = allocator.allocate(size);
        putLong(address, 0, tag);
        return address;
    }

    private void freeTagged(long address, long tag) {
        if (getLong(address, 0) != tag) {
            broken.incrementAndGet();
        }
        allocator.free(address);
    }

    /** Allocates three blocks, frees two, leaves one for another thread and frees one another thread left. */
    private void work(long n, boolean unmount) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long a = allocateTagged(randomSize(random), n);
        long b = allocateTagged(randomSize(random), ~n);
        if (unmount) {
            unmount(n);
        }
        long c = allocateTagged(randomSize(random), n * 31);
        freeTagged(a, n);
        if (unmount) {
            unmount(n + 1);
        }
        freeTagged(b, ~n);
        handoff.add(new long[] {c, n * 31});
        long[] other = handoff.poll();
        if (other != null) {
            freeTagged(other[0], other[1]);
        }
    }

    private static void unmount(long n) {
        if (n % 8 == 0) {
            LockSupport.parkNanos(20_000);
        } else {
            Thread.yield();
        }
    }

    private HakmemStats run(int threads, boolean unmount) throws InterruptedException {
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < threads && failures.isEmpty(); i++) {
                inFlight.acquire();
                long n = i;
                executor.execute(() -> {
                    try {
                        work(n, unmount);
                    } catch (Throwable e) {
                        failures.add(e);
                    } finally {
                        inFlight.release();
                    }
                });
                if (i % 100_000 == 99_999 || i == threads / 2) {
                    sample();
                }
                if (i == threads / 2) {
                    maxMappedFirstHalf = maxMapped;
                }
            }
        }
        sample();
        assertTrue(failures.isEmpty(), () -> "a virtual thread failed: " + failures.peek());
        long[] left;
        while ((left = handoff.poll()) != null) {
            freeTagged(left[0], left[1]);
        }
        assertEquals(0, broken.get(), "blocks were overwritten");
        HakmemStats end = allocator.stats();
        System.out.printf("VirtualThreadsTest: %d threads%s; peak mapped %s (MiB: %s), caches %d; end %s%n", threads,
                unmount ? " unmounting" : "", mib(maxMapped), series, maxCaches, end);
        assertEquals(0, end.liveBlocks(), end.toString());
        assertEquals(0, end.liveBytes(), end.toString());
        assertEquals(3L * threads, end.allocations(), end.toString());
        assertTrue(maxCaches == 0, "virtual threads must not register caches of their own: " + maxCaches);
        assertTrue(end.threadCaches() <= 1, "only the test's own thread has a cache: " + end);
        assertTrue(maxMapped < MAPPED_BOUND, "mapped memory grew to " + mib(maxMapped));
        assertTrue(end.mappedBytes() < MAPPED_BOUND, end.toString());
        assertTrue(maxMapped <= maxMappedFirstHalf + PLATEAU_SLACK, "mapped memory still grows: " + mib(maxMappedFirstHalf)
                + " after the first half, " + mib(maxMapped) + " at the end (MiB: " + series + ")");
        return end;
    }

    private void sample() {
        HakmemStats s = allocator.stats();
        maxMapped = Math.max(maxMapped, s.mappedBytes());
        series.append(s.mappedBytes() >> 20).append(' ');
        maxCaches = Math.max(maxCaches, s.threadCaches());
    }

    @Test
    @Timeout(120)
    void shouldServeAMillionVirtualThreadsFromAFixedSetOfStripes() throws Exception {
        run(1_000_000, false);
    }

    @Test
    @Timeout(120)
    void shouldStayConsistentWhenVirtualThreadsUnmountBetweenAllocateAndFree() throws Exception {
        run(1_000_000, true);
    }
    @Test
    @Timeout(60)
    void shouldGiveBackWhatVirtualThreadsCachedWhenTrimmed() throws Exception {
        HakmemStats done = run(100_000, false);
        assertEquals(0, done.liveBlocks());
        allocator.releaseThreadCache(); // the test thread's own cache, which freed the last blocks
        allocator.trim();
        HakmemStats trimmed = allocator.stats();
        assertEquals(0, trimmed.cachedBytes(), "nothing in use, after trim(): " + trimmed);
        assertTrue(trimmed.mappedBytes() <= 8L << 20, mib(trimmed.mappedBytes()) + " still mapped: " + trimmed);
    }
}
