package dev.hakmem.benchmarks.rss;

import dev.hakmem.Hakmem;
import dev.hakmem.HakmemStats;
import dev.hakmem.benchmarks.Allocators;
import dev.hakmem.benchmarks.Preload;
import dev.hakmem.benchmarks.RawAllocator;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * "Mixed lifetimes" (issue 17): an mstress-like program whose allocation sites have distinct
 * lifetimes, to see how much memory an allocator keeps resident beyond what the program holds
 * (excess = RSS above the baseline − live bytes) when long- and short-lived blocks of the same sizes
 * interleave. One JVM per allocator, as {@link RssDriver}; {@code bin/bench lifetimes} runs it for
 * hakmem (learning off and on) and the native mallocs through {@code Unsafe} (with {@code LD_PRELOAD}).
 *
 * <pre>
 *   java [flags] -Dhakmem.label=LABEL -cp benchmarks.jar dev.hakmem.benchmarks.rss.MixedLifetimesDriver hakmem|unsafe [key=value ...]
 * </pre>
 *
 * <p>The program runs {@code rounds} (60) rounds; each round starts {@code threads} (2) fresh platform
 * threads (thread re-creation, as mstress) that do {@code opsPerRound} (500,000) operations each and
 * end ({@code recreate=0}: the same rounds on threads that live through all of them, to tell what thread
 * re-creation costs). Of the operations 2% replace a retained block, 90% churn, 8% hand off, and each
 * allocates one block at one of the sites (ids 1–10, passed to
 * {@code Hakmem.allocate(size, site)}; the natives ignore them), all of 16 B–4 KiB, so long- and short-lived
 * blocks share size classes:
 * <ul>
 *   <li>retained (sites 1, 2, 10: long-lived): a set of {@code retainedKiB} (16384) KiB, each thread
 *       replacing a random block of its share; the set passes from one round's threads to the next's;</li>
 *   <li>churn (sites 3, 4, 9: short-lived): a ring per thread, each block freed {@code churnRing} (512)
 *       operations later, and all at the thread's end;</li>
 *   <li>hand-off (site 5): allocated by one thread into a shared queue of {@code handoffDepth} (2048)
 *       blocks; whichever thread finds it full frees the oldest (often another thread's);</li>
 *   <li>leak (site 6): one block in {@code leakEvery} (2000) operations, never freed until the end;</li>
 *   <li>peak (site 7): during rounds [{@code peakStart}, {@code peakEnd}) (30%–40% of the run) the threads
 *       also allocate a block every second operation until those blocks reach {@code peakFactor} (10) × the retained set; the first
 *       round after the peak frees them (from other threads than allocated them), then a trough of normal
 *       rounds;</li>
 *   <li>{@code shift=1}: 20% of the sites change their lifetime in the middle of the run: site 2 turns
 *       short-lived (a churn site) and site 4 long-lived (a retained site).</li>
 * </ul>
 * The mix of operations is fixed by {@code seed}, the same for every candidate. A sampler thread reads
 * VmRSS and the live bytes every {@code sampleMs} (50) ms into {@code csv=FILE} ({@code t_ms, rss_kib,
 * live_kib, excess_kib, round}); the RESULT line gives the end, the trough's mean and the peak of RSS and
 * excess, and the throughput (operations per second over the rounds). The end is read {@code endMs}
 * (1000) ms after the last round, with the retained set and the leak still live; nothing is trimmed or
 * released by hand.
 */
public final class MixedLifetimesDriver {
    private static final int RETAINED_SMALL = 1;
    private static final int RETAINED_MID = 2;
    private static final int CHURN_TINY = 3;
    private static final int CHURN_MID = 4;
    private static final int HANDOFF = 5;
    private static final int LEAK = 6;
    private static final int PEAK = 7;
    private static final int CHURN_SMALL = 9;
    private static final int RETAINED_TINY = 10;
    private static final int PAGE = 4096;
    private static final long KIB = 1024;

    /** Block sizes per site, {min, max} (log-uniform). */
    private static final int[][] SIZES = new int[11][];

    static {
        SIZES[RETAINED_SMALL] = new int[] {48, 256};
        SIZES[RETAINED_MID] = new int[] {256, 4096};
        SIZES[CHURN_TINY] = new int[] {16, 256};
        SIZES[CHURN_MID] = new int[] {256, 4096};
        SIZES[HANDOFF] = new int[] {64, 2048};
        SIZES[LEAK] = new int[] {64, 512};
        SIZES[PEAK] = new int[] {48, 1024};
        SIZES[CHURN_SMALL] = new int[] {48, 256};
        SIZES[RETAINED_TINY] = new int[] {16, 64};
    }

    /** What an allocation can be: hakmem with its site ids, or {@code Unsafe} over the process's malloc. */
    private interface Heap {
        long allocate(long size, int site);

        void free(long address);
    }

    private static final class HakmemHeap implements Heap {
        @Override
        public long allocate(long size, int site) {
            return Hakmem.allocate(size, site);
        }

        @Override
        public void free(long address) {
            Hakmem.free(address);
        }
    }

    /** The natives through {@code Unsafe.allocateMemory}/{@code freeMemory}, as every benchmark here runs them. */
    private static final class UnsafeHeap implements Heap {
        private final RawAllocator unsafe = Allocators.create("unsafe").raw();

        @Override
        public long allocate(long size, int site) {
            return unsafe.allocate(size);
        }

        @Override
        public void free(long address) {
            unsafe.free(address);
        }
    }

    private final Map<String, String> options;
    private final boolean hakmem;
    private final Heap heap;
    private final int threads;
    private final int rounds;
    private final long opsPerRound;
    private final long retainedBytes;
    private final int churnRing;
    private final int leakEvery;
    private final int peakStart;
    private final int peakEnd;
    private final long peakFactor;
    private final boolean shift;
    private final boolean recreate;
    private final long seed;

    /** Blocks of the retained set, per thread index; each holds {address, size} pairs. */
    private final long[][] retained;
    private final int[][] retainedSites;
    private final ArrayBlockingQueue<long[]> handoffs;
    private final AtomicLong peakHeld = new AtomicLong();
    private final List<long[]> leaked = new ArrayList<>();
    private final List<long[]> peakBlocks = new ArrayList<>();
    private final LongAdder live = new LongAdder();
    private final long peakTarget;
    private volatile int round;

    private MixedLifetimesDriver(String allocator, Map<String, String> options) {
        this.options = options;
        this.hakmem = allocator.equals("hakmem");
        if (!hakmem && !allocator.equals("unsafe")) {
            throw new IllegalArgumentException("MixedLifetimesDriver measures hakmem or unsafe, not " + allocator);
        }
        this.heap = hakmem ? new HakmemHeap() : new UnsafeHeap();
        this.threads = (int) option("threads", 2);
        this.rounds = (int) option("rounds", 60);
        this.opsPerRound = option("opsPerRound", 500_000);
        this.retainedBytes = option("retainedKiB", 16384) * KIB;
        this.churnRing = (int) option("churnRing", 512);
        this.leakEvery = (int) option("leakEvery", 2000);
        this.peakStart = (int) option("peakStart", rounds * 3 / 10);
        this.peakEnd = (int) option("peakEnd", rounds * 4 / 10);
        this.peakFactor = option("peakFactor", 10);
        this.shift = option("shift", 0) != 0;
        this.recreate = option("recreate", 1) != 0;
        this.peakTarget = peakFactor * retainedBytes;
        this.seed = option("seed", 0x5EED_11FEL);
        if (threads < 1 || rounds < 1 || opsPerRound < 1 || churnRing < 1 || leakEvery < 1 || peakStart > peakEnd) {
            throw new IllegalArgumentException("bad options " + options);
        }
        this.handoffs = new ArrayBlockingQueue<>((int) option("handoffDepth", 2048));
        this.retained = new long[threads][];
        this.retainedSites = new int[threads][];
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: MixedLifetimesDriver hakmem|unsafe [key=value ...]");
            System.exit(2);
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("option '" + args[i] + "' is not key=value");
            }
            options.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        new MixedLifetimesDriver(args[0], options).run();
    }

    private long option(String key, long fallback) {
        String value = options.get(key);
        return value == null ? fallback : Long.parseLong(value.replace("_", ""));
    }

    private void run() throws Exception {
        String label = System.getProperty("hakmem.label", hakmem ? "hakmem" : "glibc");
        String description = hakmem ? "hakmem (route " + Hakmem.stats().osRoute() + ", learning " + Hakmem.stats().learning() + ")"
                : "Unsafe over " + Preload.check(label);
        System.out.println("# lifetimes: label=" + label + " allocator=" + description + " options=" + options);
        // set-up in the baseline: the allocator's first chunk, the sampler's code
        heap.free(heap.allocate(64, RETAINED_SMALL));
        RssDriver.Rss.read();
        TimeUnit.MILLISECONDS.sleep(option("settleMs", 1000));
        long baseline = RssDriver.Rss.read();

        String csv = options.get("csv");
        Sampler sampler = new Sampler(baseline, option("sampleMs", 50), csv == null ? null : Path.of(csv));
        Thread samplerThread = Thread.ofPlatform().name("lifetimes-sampler").daemon().start(sampler);

        long start = System.nanoTime();
        if (recreate) {
            for (int r = 0; r < rounds; r++) {
                round = r;
                runRound(r);
            }
        } else {
            runRoundsOnSameThreads();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        TimeUnit.MILLISECONDS.sleep(option("endMs", 1000));
        sampler.stop();
        samplerThread.join();
        long endRss = RssDriver.Rss.read() - baseline;
        long endLive = live.sum() / KIB;
        long troughSamples = sampler.troughSamples;

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("label", label);
        result.put("learning", hakmem ? Hakmem.stats().learning() : "-");
        result.put("shift", shift ? 1 : 0);
        result.put("recreate", recreate ? 1 : 0);
        result.put("ops", (long) rounds * threads * opsPerRound);
        result.put("seconds", String.format(Locale.ROOT, "%.2f", seconds));
        result.put("opsPerSec", String.format(Locale.ROOT, "%.0f", rounds * threads * opsPerRound / seconds));
        result.put("baselineKiB", baseline);
        result.put("endRssKiB", endRss);
        result.put("endLiveKiB", endLive);
        result.put("endExcessKiB", endRss - endLive);
        result.put("peakRssKiB", sampler.peakRss);
        result.put("peakExcessKiB", sampler.peakExcess);
        result.put("troughMeanExcessKiB", troughSamples == 0 ? 0 : sampler.troughExcessSum / troughSamples);
        result.put("troughMeanRssKiB", troughSamples == 0 ? 0 : sampler.troughRssSum / troughSamples);
        result.put("meanExcessKiB", sampler.samples == 0 ? 0 : sampler.excessSum / sampler.samples);
        if (hakmem) {
            HakmemStats s = Hakmem.stats();
            System.out.println("# stats end: " + s);
            result.put("mappedKiB", s.mappedBytes() / KIB);
            result.put("hakmemLiveKiB", s.liveBytes() / KIB);
            result.put("learnerDecisions", s.learnerDecisions());
        }
        StringBuilder line = new StringBuilder("RESULT");
        result.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        System.out.println(line);
        freeEverything();
    }

    // ---- one round ---------------------------------------------------------------------------------

    /** At the start of round {@code r}: if the trough begins, the peak's blocks go, freed by one thread, mostly not the one that allocated them. */
    private void beginRound(int r) {
        round = r;
        if (r == peakEnd) {
            for (long[] block : peakBlocks) {
                heap.free(block[0]);
                live.add(-block[1]);
            }
            peakBlocks.clear();
        }
    }

    /** {@code recreate=0}: the same rounds on {@code threads} threads that live through all of them (a barrier between rounds). */
    private void runRoundsOnSameThreads() throws InterruptedException {
        int[] next = {0};
        CyclicBarrier barrier = new CyclicBarrier(threads, () -> beginRound(next[0]++));
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            workers.add(Thread.ofPlatform().name("lifetimes-" + t).start(() -> {
                try {
                    for (int r = 0; r < rounds; r++) {
                        barrier.await();
                        worker(index, r).run();
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                    barrier.reset(); // the others fail too, instead of waiting for this one
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a worker failed", failures.getFirst());
        }
    }

    private Worker worker(int index, int r) {
        boolean peak = r >= peakStart && r < peakEnd;
        boolean shifted = shift && r >= rounds / 2;
        return new Worker(index, new SplittableRandom(seed + 1000L * r + index), peak, shifted);
    }

    private void runRound(int r) throws InterruptedException {
        beginRound(r);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Worker worker = worker(t, r);
            workers.add(Thread.ofPlatform().name("lifetimes-" + r + "-" + t).start(() -> {
                try {
                    worker.run();
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a worker of round " + r + " failed", failures.getFirst());
        }
    }

    private final class Worker {
        private final int index;
        private final SplittableRandom random;
        private final boolean peak;
        private final boolean shifted;
        private final long[] ring;
        private final long[] ringSizes;
        private long liveDelta;

        Worker(int index, SplittableRandom random, boolean peak, boolean shifted) {
            this.index = index;
            this.random = random;
            this.peak = peak;
            this.shifted = shifted;
            this.ring = new long[churnRing];
            this.ringSizes = new long[churnRing];
        }

        void run() {
            long[] mine = retained[index];
            int[] mineSites = retainedSites[index];
            if (mine == null) {
                int slots = (int) (retainedBytes / threads / 300); // about 300 B per retained block on average
                mine = new long[2 * slots];
                mineSites = new int[slots];
                retained[index] = mine;
                retainedSites[index] = mineSites;
            }
            int slots = mineSites.length;
            List<long[]> myPeak = new ArrayList<>();
            int ringAt = 0;
            for (long op = 0; op < opsPerRound; op++) {
                int choice = random.nextInt(100);
                if (choice < 2) { // the retained set: replace one block (long-lived sites)
                    int slot = random.nextInt(slots);
                    if (mine[2 * slot] != 0) {
                        heap.free(mine[2 * slot]);
                        liveDelta -= mine[2 * slot + 1];
                    }
                    int site = retainedSite(random.nextInt(3));
                    long size = size(site);
                    mine[2 * slot] = allocate(size, site);
                    mine[2 * slot + 1] = size;
                    mineSites[slot] = site;
                } else if (choice < 92) { // churn (short-lived sites)
                    if (ring[ringAt] != 0) {
                        heap.free(ring[ringAt]);
                        liveDelta -= ringSizes[ringAt];
                    }
                    int site = churnSite(random.nextInt(3));
                    long size = size(site);
                    ring[ringAt] = allocate(size, site);
                    ringSizes[ringAt] = size;
                    ringAt = ringAt + 1 == churnRing ? 0 : ringAt + 1;
                } else { // hand-off: freed by whichever thread finds the queue full, mostly not the one that allocated it
                    long size = size(HANDOFF);
                    long[] block = {allocate(size, HANDOFF), size};
                    while (!handoffs.offer(block)) {
                        long[] other = handoffs.poll();
                        if (other != null) {
                            heap.free(other[0]);
                            liveDelta -= other[1];
                        }
                    }
                }
                if (peak && (op & 1) == 0 && peakHeld.get() < peakTarget) { // the peak piles up
                    long size = size(PEAK);
                    myPeak.add(new long[] {allocate(size, PEAK), size});
                    peakHeld.addAndGet(size);
                }
                if (op % leakEvery == 0) {
                    long size = size(LEAK);
                    long[] block = {allocate(size, LEAK), size};
                    synchronized (leaked) {
                        leaked.add(block);
                    }
                }
                if ((op & 1023) == 0) {
                    live.add(liveDelta);
                    liveDelta = 0;
                }
            }
            for (int i = 0; i < churnRing; i++) {
                if (ring[i] != 0) {
                    heap.free(ring[i]);
                    liveDelta -= ringSizes[i];
                }
            }
            live.add(liveDelta);
            liveDelta = 0;
            synchronized (peakBlocks) {
                peakBlocks.addAll(myPeak);
            }
        }

        private int retainedSite(int which) {
            return switch (which) {
                case 0 -> RETAINED_SMALL;
                case 1 -> shifted ? CHURN_MID : RETAINED_MID; // shift: site 4 becomes long-lived
                default -> RETAINED_TINY;
            };
        }

        private int churnSite(int which) {
            return switch (which) {
                case 0 -> CHURN_TINY;
                case 1 -> shifted ? RETAINED_MID : CHURN_MID; // shift: site 2 becomes short-lived
                default -> CHURN_SMALL;
            };
        }

        private long size(int site) {
            int[] range = SIZES[site];
            double lo = Math.log(range[0]);
            double hi = Math.log(range[1]);
            return (long) Math.exp(lo + random.nextDouble() * (hi - lo));
        }

        /** Allocates and writes the block's first byte and one per page, so its pages are resident as a program's would be. */
        private long allocate(long size, int site) {
            long address = heap.allocate(size, site);
            MemorySegment block = MemorySegment.ofAddress(address).reinterpret(size);
            for (long offset = 0; offset < size; offset += PAGE) {
                block.set(ValueLayout.JAVA_BYTE, offset, (byte) 1);
            }
            block.set(ValueLayout.JAVA_BYTE, size - 1, (byte) 1);
            liveDelta += size;
            return address;
        }
    }

    private void freeEverything() {
        for (long[] block : leaked) {
            heap.free(block[0]);
        }
        for (long[] block : peakBlocks) {
            heap.free(block[0]);
        }
        for (long[] block; (block = handoffs.poll()) != null; ) {
            heap.free(block[0]);
        }
        for (long[] mine : retained) {
            for (int i = 0; mine != null && i < mine.length; i += 2) {
                if (mine[i] != 0) {
                    heap.free(mine[i]);
                }
            }
        }
    }

    /** Reads VmRSS (above the baseline) and the live bytes every few milliseconds, into a CSV if asked. */
    private final class Sampler implements Runnable {
        private final long baselineKiB;
        private final long periodMs;
        private final Path csv;
        private volatile boolean running = true;
        volatile long peakRss;
        volatile long peakExcess;
        volatile long troughExcessSum;
        volatile long troughRssSum;
        volatile long troughSamples;
        volatile long excessSum;
        volatile long samples;

        Sampler(long baselineKiB, long periodMs, Path csv) {
            this.baselineKiB = baselineKiB;
            this.periodMs = periodMs;
            this.csv = csv;
        }

        @Override
        public void run() {
            try (PrintWriter out = csv == null ? null
                    : new PrintWriter(Files.newBufferedWriter(csv, StandardCharsets.US_ASCII))) {
                if (out != null) {
                    out.println("t_ms,rss_kib,live_kib,excess_kib,round");
                }
                long start = System.nanoTime();
                while (running) {
                    long rss = RssDriver.Rss.read() - baselineKiB;
                    long liveKiB = live.sum() / KIB;
                    long excess = rss - liveKiB;
                    int r = round;
                    peakRss = Math.max(peakRss, rss);
                    peakExcess = Math.max(peakExcess, excess);
                    excessSum += excess;
                    samples++;
                    if (r > peakEnd) { // the trough, past the round that frees the peak
                        troughExcessSum += excess;
                        troughRssSum += rss;
                        troughSamples++;
                    }
                    if (out != null) {
                        out.println((System.nanoTime() - start) / 1_000_000 + "," + rss + "," + liveKiB + "," + excess + "," + r);
                    }
                    try {
                        Thread.sleep(periodMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot write " + csv, e);
            }
        }

        void stop() {
            running = false;
        }
    }
}
