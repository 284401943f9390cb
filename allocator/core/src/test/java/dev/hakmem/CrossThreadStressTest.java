package dev.hakmem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.hakmem.TestMemory.getLong;
import static dev.hakmem.TestMemory.mib;
import static dev.hakmem.TestMemory.putLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Larson's server benchmark as a test: each thread replaces random blocks in an array of slots, and
 * every so often the arrays change hands, so most frees happen on a thread that did not allocate the
 * block. Every block carries a unique tag at both ends, checked when it is freed: a block handed out
 * twice, or a remote-free link written into a live block, shows up as a broken tag.
 */
class CrossThreadStressTest {
    private static final int THREADS = 4;
    private static final int SLOTS = 2_000;
    private static final int MIN_SIZE = 8;
    private static final int MAX_SIZE = 1_000;
    private static final int HANDOFF_EVERY = 4_096;
    private static final long MAX_OPS_PER_THREAD = 2_000_000;
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** A thread cache holds at most about 0.8 MiB of blocks up to 1 KiB, plus up to 512 KiB of limit credit. */
    private static final long PER_CACHE_SLACK = 2L << 20;

    private HakmemAllocator allocator;
    private final AtomicLong brokenTags = new AtomicLong();
    private final Queue<String> firstBroken = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() {
        allocator = HakmemAllocator.create(HakmemConfig.defaults());
    }

    @AfterEach
    void stop() {
        allocator.close();
    }

    /** One thread's working set; moves between threads through a queue (a happens-before edge). */
    private static final class Slots {
        final long[] address = new long[SLOTS];
        final long[] tag = new long[SLOTS];
        final int[] size = new int[SLOTS];
    }

    private void put(Slots s, int i, int size, long tag) {
        long address = allocator.allocate(size);
        putLong(address, 0, tag);
        putLong(address, size - 8, ~tag);
        s.address[i] = address;
        s.size[i] = size;
        s.tag[i] = tag;
    }

    private void check(Slots s, int i) {
        long address = s.address[i];
        long head = getLong(address, 0);
        long tail = getLong(address, s.size[i] - 8);
        // below 16 bytes the two words overlap, and the tail, written last, wins
        boolean intact = tail == ~s.tag[i] && (s.size[i] < 16 || head == s.tag[i]);
        if (!intact && brokenTags.incrementAndGet() <= 5) {
            firstBroken.add("block 0x" + Long.toHexString(address) + " of " + s.size[i] + " bytes: tag "
                    + Long.toHexString(s.tag[i]) + ", found head " + Long.toHexString(head) + " tail " + Long.toHexString(~tail));
        }
    }

    private Slots filled(long tagBase, SplittableRandom random) {
        Slots s = new Slots();
        for (int i = 0; i < SLOTS; i++) {
            put(s, i, random.nextInt(MIN_SIZE, MAX_SIZE + 1), tagBase + i);
        }
        return s;
    }

    @Test
    @Timeout(60)
    void shouldKeepEveryBlockIntactAndAccountedWhenFreesCrossThreads() throws Exception {
        Queue<Slots> handoff = new ConcurrentLinkedQueue<>();
        Queue<Slots> finished = new ConcurrentLinkedQueue<>();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        // one set more than threads: a thread that hands its set off takes an older one, never its own
        handoff.add(filled(0xFFL << 48, new SplittableRandom(99)));
        long deadline = System.nanoTime() + RUN_NANOS;
        AtomicLong totalOps = new AtomicLong();
        AtomicLong crossFrees = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            long tagBase = (long) (t + 1) << 48;
            SplittableRandom random = new SplittableRandom(t);
            workers.add(Thread.ofPlatform().name("larson-" + t).start(() -> {
                try {
                    Slots mine = filled(tagBase, random);
                    long tag = tagBase + SLOTS;
                    long ops = 0;
                    while (ops < MAX_OPS_PER_THREAD && ((ops & 1023) != 0 || System.nanoTime() < deadline)) {
                        int i = random.nextInt(SLOTS);
                        check(mine, i);
                        if (mine.tag[i] >>> 48 != tagBase >>> 48) {
                            crossFrees.incrementAndGet();
                        }
                        allocator.free(mine.address[i]);
                        put(mine, i, random.nextInt(MIN_SIZE, MAX_SIZE + 1), tag++);
                        if (++ops % HANDOFF_EVERY == 0) {
                            handoff.add(mine);
                            mine = handoff.poll();
                        }
                    }
                    totalOps.addAndGet(ops);
                    finished.add(mine);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        assertTrue(failures.isEmpty(), () -> "a worker failed: " + failures.peek());

        List<Slots> all = new ArrayList<>(finished);
        all.addAll(handoff);
        assertEquals(THREADS + 1, all.size(), "every set of slots is accounted for");
        long usable = 0;
        for (Slots s : all) {
            for (int i = 0; i < SLOTS; i++) {
                usable += allocator.usableSize(s.address[i]);
            }
        }
        HakmemStats quiet = allocator.stats(); // all workers are dead: this retires their caches
        assertEquals((THREADS + 1) * SLOTS, quiet.liveBlocks(), quiet.toString());
        assertEquals(usable, quiet.liveBytes(), quiet.toString());
        assertTrue(quiet.bytesReserved() >= quiet.liveBytes(), quiet.toString());
        assertTrue(quiet.bytesReserved() - quiet.liveBytes() <= 2 * PER_CACHE_SLACK,
                "only the main thread's cache and the stripes' credit may hold more than the live blocks, but "
                        + mib(quiet.bytesReserved() - quiet.liveBytes()) + " are reserved beyond them: " + quiet);

        for (Slots s : all) {
            for (int i = 0; i < SLOTS; i++) {
                check(s, i);
                if (s.tag[i] >>> 48 != 0xFF) {
                    crossFrees.incrementAndGet(); // the main thread allocated only the extra set
                }
                allocator.free(s.address[i]);
            }
        }
        assertEquals(0, brokenTags.get(), () -> brokenTags.get() + " blocks were overwritten, e.g. " + firstBroken);

        HakmemStats freed = allocator.stats();
        assertEquals(0, freed.liveBlocks(), freed.toString());
        assertEquals(0, freed.liveBytes(), freed.toString());
        assertEquals(freed.allocations(), freed.frees());
        assertTrue(freed.allocations() >= totalOps.get(), freed.toString());
        assertEquals(crossFrees.get(), freed.remoteFrees(), "every free of another thread's block is remote, and only those ("
                + totalOps.get() + " operations): " + freed);
        assertTrue(freed.remoteFrees() > totalOps.get() / 10, "the hand-offs make many frees cross threads");

        allocator.releaseThreadCache();
        allocator.trim();
        HakmemStats trimmed = allocator.stats();
        assertEquals(0, trimmed.bytesReserved(), "nothing is live or cached: " + trimmed);
        assertEquals(0, trimmed.spans(), trimmed.toString());
        assertEquals(0, trimmed.mappedBytes(), trimmed.toString());
    }
}
