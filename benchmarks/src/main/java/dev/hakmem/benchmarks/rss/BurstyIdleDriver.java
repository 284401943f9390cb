package dev.hakmem.benchmarks.rss;

import dev.hakmem.Hakmem;
import dev.hakmem.HakmemStats;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * "Bursty then idle": when should hakmem give memory back? One thread runs bursts: each allocates
 * {@code burstMiB} (64) MiB of blocks of 4–256 KiB (log-uniform, fixed seed) and writes every page,
 * churns them (frees and reallocates random ones) until {@code burstMs} (500) ms have passed, then
 * frees everything; then it idles for the next gap of {@code gaps} (ms, comma-separated, default
 * {@code 400,400,12000}: short pauses inside a busy period, then a long idle), the whole list
 * {@code cycles} (3) times. No {@code trim()}; with {@code releaseCache=1} the thread calls
 * {@code releaseThreadCache()} after each burst (a thread about to idle), else its cache and spare
 * spans stay as they are. What goes back to the OS is the chunk decay's doing. Run one JVM per setting (a fixed decay, or the learner):
 * <pre>
 *   java -Xms256m -Xmx256m -XX:+AlwaysPreTouch --enable-native-access=ALL-UNNAMED -Dhakmem.chunk.decayMillis=1000 \
 *        -cp benchmarks/target/benchmarks.jar dev.hakmem.benchmarks.rss.BurstyIdleDriver [key=value ...]
 *   ... -Dhakmem.learn=true ...
 * </pre>
 * A sampler reads VmRSS every {@code sampleMs} (10) ms; the result line gives the RSS above the
 * baseline integrated over the run ({@code rssMiBs}, MiB × seconds), its peak, and the chunks mapped and
 * unmapped (every one a system call, and every page of a mapped chunk a fault when first touched).
 */
public final class BurstyIdleDriver {
    private static final long SEED = 0x5EED_B0B5L;
    private static final int MIN_BLOCK = 4 * 1024;
    private static final int MAX_BLOCK = 256 * 1024;
    private static final int PAGE = 4096;

    private BurstyIdleDriver() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("option '" + arg + "' is not key=value");
            }
            options.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        long burstBytes = Long.parseLong(options.getOrDefault("burstMiB", "64")) << 20;
        long burstMs = Long.parseLong(options.getOrDefault("burstMs", "500"));
        long[] gaps = java.util.Arrays.stream(options.getOrDefault("gaps", "400,400,12000").split(","))
                .mapToLong(Long::parseLong).toArray();
        int cycles = Integer.parseInt(options.getOrDefault("cycles", "3"));
        long sampleMs = Long.parseLong(options.getOrDefault("sampleMs", "10"));
        boolean releaseCache = options.getOrDefault("releaseCache", "0").equals("1");

        // set-up in the baseline: the allocator, its first chunk, the learner's thread
        Hakmem.free(Hakmem.allocate(64));
        TimeUnit.MILLISECONDS.sleep(1000);
        long baselineKiB = RssDriver.Rss.read();
        Integrator rss = new Integrator(baselineKiB, sampleMs);
        Thread sampler = Thread.ofPlatform().daemon().name("rss-sampler").start(rss);

        SplittableRandom random = new SplittableRandom(SEED);
        long start = System.nanoTime();
        List<Long> blocks = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (int cycle = 0; cycle < cycles; cycle++) {
            for (long gap : gaps) {
                burst(random, burstBytes, burstMs, blocks, sizes);
                if (releaseCache) {
                    Hakmem.allocator().releaseThreadCache(); // a thread about to idle, as documented
                }
                TimeUnit.MILLISECONDS.sleep(gap);
            }
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        rss.stop();
        sampler.join();
        HakmemStats s = Hakmem.stats();
        System.out.println("# end: " + s);
        long mapped = s.chunks() + s.chunksUnmapped();
        System.out.printf("RESULT gaps=%s releaseCache=%s decay=%s learning=%s rssMiBs=%.1f peakMiB=%.1f seconds=%.1f chunksMapped=%d chunksUnmapped=%d "
                        + "mapUnmapCalls=%d learnerDecisions=%d finalDecayMs=%d eventsDropped=%d%n",
                options.getOrDefault("gaps", "400,400,12000"), releaseCache ? 1 : 0,
                System.getProperty("hakmem.chunk.decayMillis", "10000"), s.learning(), rss.kibMillis() / 1024.0 / 1000.0,
                rss.peakKiB() / 1024.0, elapsedMs / 1000.0, mapped, s.chunksUnmapped(), mapped + s.chunksUnmapped(),
                s.learnerDecisions(), s.chunkDecayMillis(), s.eventsDropped());
    }

    private static void burst(SplittableRandom random, long bytes, long burstMs, List<Long> blocks, List<Integer> sizes) {
        long deadline = System.nanoTime() + burstMs * 1_000_000;
        long total = 0;
        while (total < bytes) {
            int size = logUniform(random);
            blocks.add(allocateTouched(size));
            sizes.add(size);
            total += size;
        }
        while (System.nanoTime() < deadline) {
            int i = random.nextInt(blocks.size());
            Hakmem.free(blocks.get(i));
            int size = logUniform(random);
            blocks.set(i, allocateTouched(size));
            sizes.set(i, size);
        }
        for (long address : blocks) {
            Hakmem.free(address);
        }
        blocks.clear();
        sizes.clear();
    }

    private static int logUniform(SplittableRandom random) {
        double log = Math.log(MIN_BLOCK) + random.nextDouble() * (Math.log(MAX_BLOCK) - Math.log(MIN_BLOCK));
        return (int) Math.exp(log);
    }

    private static long allocateTouched(int size) {
        long address = Hakmem.allocate(size);
        MemorySegment block = MemorySegment.ofAddress(address).reinterpret(size);
        for (long offset = 0; offset < size; offset += PAGE) {
            block.set(ValueLayout.JAVA_BYTE, offset, (byte) 1);
        }
        return address;
    }

    /** Integrates VmRSS above the baseline over time, sampled every {@code sampleMs}. */
    private static final class Integrator implements Runnable {
        private final long baselineKiB;
        private final long sampleMs;
        private volatile boolean running = true;
        private volatile long kibMillis;
        private volatile long peakKiB;

        Integrator(long baselineKiB, long sampleMs) {
            this.baselineKiB = baselineKiB;
            this.sampleMs = sampleMs;
        }

        @Override
        public void run() {
            long last = System.nanoTime();
            while (running) {
                try {
                    TimeUnit.MILLISECONDS.sleep(sampleMs);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                long above = Math.max(0, RssDriver.Rss.read() - baselineKiB);
                kibMillis += above * (now - last) / 1_000_000;
                peakKiB = Math.max(peakKiB, above);
                last = now;
            }
        }

        void stop() {
            running = false;
        }

        long kibMillis() {
            return kibMillis;
        }

        long peakKiB() {
            return peakKiB;
        }
    }
}
