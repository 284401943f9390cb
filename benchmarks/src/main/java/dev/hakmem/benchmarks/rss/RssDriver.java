package dev.hakmem.benchmarks.rss;

import dev.hakmem.Hakmem;
import dev.hakmem.HakmemStats;
import dev.hakmem.benchmarks.Allocators;
import dev.hakmem.benchmarks.Candidate;
import dev.hakmem.benchmarks.Preload;
import dev.hakmem.benchmarks.Sequence;
import dev.hakmem.benchmarks.Slots;
import java.io.IOException;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Measures the resident set (VmRSS of {@code /proc/self/status}) of one allocator in one scenario; JMH
 * cannot, so this is a plain {@code main}, run as its own JVM per allocator by {@code bin/bench rss}
 * (which also sets {@code LD_PRELOAD} for the native mallocs, as for the JMH runs). Run it with
 * {@code -Xms256m -Xmx256m -XX:+AlwaysPreTouch}, so the Java heap is resident from the start and the same
 * for every candidate, and whatever RSS moves is the allocator's (plus the JVM's own growth: JIT, threads).
 *
 * <pre>
 *   java [flags] -Dhakmem.label=LABEL -cp benchmarks.jar dev.hakmem.benchmarks.rss.RssDriver SCENARIO ALLOCATOR [key=value ...]
 * </pre>
 * ALLOCATOR is a name {@link Allocators#create} knows; LABEL names the row (glibc, jemalloc, ..., hakmem-no-native),
 * checked against what is really loaded (hakmem-no-native: hakmem on a route other than mmap, i.e. without native
 * access). Scenarios:
 * <ul>
 *   <li>{@code larson}: {@code threads} workers (2), each with an array of {@code slots} (1000) live blocks of
 *       8–1000 B, replacing a random one per operation ({@link Sequence}, the JMH Larson's seeds); every
 *       {@code roundOps} (10000) operations a worker hands its array to a successor platform thread and takes
 *       one back, as in the JMH {@code Larson} (pooled successor). {@code ops} (20,000,000) worker operations in
 *       all, split evenly. A sampler thread reads VmRSS every {@code sampleMs} (10) ms: baseline (before the
 *       workload), peak (during it), after (everything freed, 200 ms later).</li>
 *   <li>{@code burst}: {@code burstMiB} (256) MiB of blocks of 16 B–32 KiB (log-uniform, fixed seed), every
 *       page of every block written, then all freed in allocation order.</li>
 *   <li>{@code burst-huge}: the same total, of which {@code hugeBlocks} (8) are 4 MiB blocks spread through
 *       the mixed ones.</li>
 * </ul>
 * The baseline is read {@code settleMs} (1000) ms after a tiny allocate + free, so the allocator's set-up and
 * the JVM's start-up are in it. After the frees, hakmem also gets {@code releaseThreadCache()} (on every
 * thread that allocated) and {@code trim()}, its documented ways to give memory back; the other candidates
 * have no such call and are only freed. Output: one {@code RESULT key=value ...} line on stdout, and
 * {@code #} lines: the RSS split at each point, and for hakmem {@link HakmemStats}. Diagnostics:
 * {@code smaps=N} lists every mapping with at least N KiB resident at each point; {@code nmt=1} (with
 * {@code -XX:NativeMemoryTracking=summary}) prints the JVM's native memory summary.
 */
public final class RssDriver {
    private static final long KIB = 1024;
    private static final long MIB = 1024 * 1024;
    private static final int PAGE = 4096;
    private static final long LARSON_SEED = 0x5EED_0003L; // as the JMH Larson, so the scripts are the same
    private static final int LARSON_MIN = 8;
    private static final int LARSON_MAX = 1000;
    private static final long BURST_SEED = 0x5EED_0B57L;
    private static final int BURST_MIN = 16;
    private static final int BURST_MAX = 32 * 1024;
    private static final long HUGE_SIZE = 4 * MIB;

    private final String scenario;
    private final String allocator;
    private final String label;
    private final Map<String, String> options;
    private final Candidate candidate;
    private final boolean hakmem;
    private final Map<String, Object> result = new LinkedHashMap<>();

    private RssDriver(String scenario, String allocator, Map<String, String> options) {
        this.scenario = scenario;
        this.allocator = allocator;
        this.label = System.getProperty("hakmem.label", allocator.equals("unsafe") ? "glibc" : allocator);
        this.options = options;
        if (!Allocators.NAMES.contains(allocator)) { // e.g. "harness", whose blocks cannot be touched
            throw new IllegalArgumentException("RssDriver measures " + Allocators.NAMES + ", not " + allocator);
        }
        this.candidate = Allocators.create(allocator);
        this.hakmem = allocator.equals("hakmem");
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: RssDriver larson|burst|burst-huge ALLOCATOR [key=value ...]  (ALLOCATOR one of "
                    + Allocators.NAMES + ")");
            System.exit(2);
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("option '" + args[i] + "' is not key=value");
            }
            options.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        new RssDriver(args[0], args[1], options).run();
    }

    private long option(String key, long fallback) {
        String value = options.get(key);
        return value == null ? fallback : Long.parseLong(value.replace("_", ""));
    }

    private void run() throws Exception {
        result.put("scenario", scenario);
        result.put("allocator", allocator);
        result.put("label", label);
        String description = checkIdentity();
        System.out.println("# rss: scenario=" + scenario + " label=" + label + " allocator=" + description);

        Sampler sampler = new Sampler(option("sampleMs", 10));
        if (option("ffmWarmup", 1) != 0 && RssDriver.class.getModule().isNativeAccessEnabled()) {
            result.put("ffmWarmup", 1);
            FfmWarmup.run();
        }
        // warm the allocator up: a tiny allocate + free, so its one-time setup is in the baseline
        Slots warm = candidate.newSlots(1, Slots.Sharing.SHARED);
        warm.replace(0, 64);
        warm.free(0);
        // and the measuring code: its class loading belongs before the baseline too
        Rss.breakdown();
        if (hakmem && !Hakmem.stats().osRoute().equals("mmap")) {
            BackingFile.mappedRssKiB();
            BackingFile.allocatedKiB();
        }
        sampler.start();
        TimeUnit.MILLISECONDS.sleep(option("settleMs", 1000)); // let start-up JIT and class loading settle
        long baseline = Rss.read();
        result.put("baselineKiB", baseline);
        stats("baseline");
        sampler.resetPeak();

        switch (scenario) {
            case "larson" -> larson(sampler);
            case "burst" -> burst(sampler, 0);
            case "burst-huge" -> burst(sampler, (int) option("hugeBlocks", 8));
            default -> throw new IllegalArgumentException("scenario=" + scenario + "; use larson, burst or burst-huge");
        }
        sampler.stop();
        result.put("samples", sampler.samples());

        StringBuilder line = new StringBuilder("RESULT");
        result.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        System.out.println(line);
    }

    /** Checks that the label says what this JVM really runs; returns a description for the log. */
    private String checkIdentity() {
        String description = candidate.describe();
        if (allocator.equals("unsafe")) {
            description += " over " + Preload.check(label);
        } else if (hakmem) {
            // hakmem-no-native: hakmem without native access, on whichever unrestricted route it was given or chose
            String route = Hakmem.stats().osRoute();
            boolean unrestricted = label.equals("hakmem-no-native");
            if (unrestricted == route.equals("mmap")) {
                throw new IllegalStateException("label=" + label + " but hakmem maps with route " + route);
            }
            description += " (route " + route + ")";
            result.put("route", route);
        }
        return description;
    }

    // ---- larson -------------------------------------------------------------------------------------

    private void larson(Sampler sampler) throws Exception {
        int threads = (int) option("threads", 2);
        int slots = (int) option("slots", 1000);
        int roundOps = (int) option("roundOps", 10_000);
        long ops = option("ops", 20_000_000);
        long perThread = ops / threads;

        BlockingQueue<Slots> toSuccessor = new ArrayBlockingQueue<>(2 * threads);
        BlockingQueue<Slots> fromSuccessor = new ArrayBlockingQueue<>(2 * threads);
        Sequence successorScript = new Sequence(LARSON_SEED + 1000, slots, LARSON_MIN, LARSON_MAX);
        for (int i = 0; i < threads; i++) {
            Slots ready = candidate.newSlots(slots, Slots.Sharing.SHARED);
            successorScript.fill(ready);
            fromSuccessor.add(ready);
        }
        List<Slots> returned = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();

        Thread successor = Thread.ofPlatform().name("larson-successor").daemon().unstarted(() -> {
            while (true) {
                Slots array;
                try {
                    array = toSuccessor.take();
                } catch (InterruptedException e) {
                    break;
                }
                for (int i = 0; i < slots; i++) {
                    successorScript.step(array);
                }
                fromSuccessor.add(array);
            }
            releaseThreadCache();
        });
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = LARSON_SEED + t;
            workers.add(Thread.ofPlatform().name("larson-worker-" + t).unstarted(() -> {
                Sequence script = new Sequence(seed, slots, LARSON_MIN, LARSON_MAX);
                Slots mine = candidate.newSlots(slots, Slots.Sharing.SHARED);
                script.fill(mine);
                int untilHandoff = roundOps;
                try {
                    for (long i = 0; i < perThread; i++) {
                        script.step(mine);
                        if (--untilHandoff == 0) {
                            toSuccessor.add(mine);
                            mine = fromSuccessor.take();
                            untilHandoff = roundOps;
                        }
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
                synchronized (returned) {
                    returned.add(mine);
                }
                releaseThreadCache();
            }));
        }

        long start = System.nanoTime();
        successor.start();
        workers.forEach(Thread::start);
        for (Thread worker : workers) {
            worker.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        successor.interrupt();
        successor.join();
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a Larson worker failed", failures.getFirst());
        }
        long peak = Math.max(sampler.peak(), Rss.read());
        result.put("peakKiB", peak);
        stats("peak");

        for (Slots array : returned) {
            array.freeAll();
        }
        for (Slots array; (array = toSuccessor.poll()) != null; ) {
            array.freeAll();
        }
        for (Slots array; (array = fromSuccessor.poll()) != null; ) {
            array.freeAll();
        }
        giveBack();
        result.put("ops", perThread * threads);
        result.put("seconds", String.format(Locale.ROOT, "%.2f", seconds));
        result.put("threads", threads);
    }

    // ---- burst --------------------------------------------------------------------------------------

    /** Sizes of one burst: log-uniform 16 B–32 KiB, with {@code huge} 4 MiB blocks spread evenly among them. */
    private long[] burstSizes(long totalBytes, int huge) {
        SplittableRandom random = new SplittableRandom(BURST_SEED);
        double lo = StrictMath.log(BURST_MIN);
        double hi = StrictMath.log(BURST_MAX + 1);
        long mixedTotal = totalBytes - huge * HUGE_SIZE;
        if (mixedTotal < 0) {
            throw new IllegalArgumentException("hugeBlocks=" + huge + " do not fit in " + totalBytes + " bytes");
        }
        long step = huge == 0 ? Long.MAX_VALUE : mixedTotal / (huge + 1);
        long nextHuge = step;
        List<Long> sizes = new ArrayList<>();
        long sum = 0;
        int hugeDone = 0;
        while (sum < mixedTotal) {
            long size = Math.min(BURST_MAX, (long) StrictMath.exp(random.nextDouble(lo, hi)));
            size = Math.min(size, mixedTotal - sum);
            sizes.add(size);
            sum += size;
            if (hugeDone < huge && sum >= nextHuge) {
                sizes.add(HUGE_SIZE);
                hugeDone++;
                nextHuge += step;
            }
        }
        for (; hugeDone < huge; hugeDone++) {
            sizes.add(HUGE_SIZE);
        }
        return sizes.stream().mapToLong(Long::longValue).toArray();
    }

    private void burst(Sampler sampler, int huge) throws Exception {
        long total = option("burstMiB", 256) * MIB;
        long[] sizes = burstSizes(total, huge);
        Slots blocks = candidate.newSlots(sizes.length, Slots.Sharing.CONFINED);

        long start = System.nanoTime();
        for (int i = 0; i < sizes.length; i++) {
            blocks.replace(i, sizes[i]);
            blocks.touch(i, sizes[i], PAGE);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long peak = Math.max(sampler.peak(), Rss.read());
        result.put("peakKiB", peak);
        stats("peak");

        blocks.freeAll();
        result.put("afterFreeKiB", Rss.read());
        stats("freed");
        giveBack();
        result.put("ops", sizes.length);
        result.put("bytes", total);
        result.put("hugeBlocks", huge);
        result.put("seconds", String.format(Locale.ROOT, "%.2f", seconds));
    }

    // ---- after ---------------------------------------------------------------------------------------

    /**
     * hakmem: flush this thread's cache and trim (unless {@code giveBack=0}, to see what hakmem returns on
     * its own); everyone: wait 200 ms, then read RSS as "after".
     */
    private void giveBack() throws Exception {
        if (hakmem && option("giveBack", 1) != 0) {
            releaseThreadCache();
            Hakmem.allocator().trim();
        }
        TimeUnit.MILLISECONDS.sleep(200);
        result.put("afterKiB", Rss.read());
        stats("after");
    }

    private void releaseThreadCache() {
        if (hakmem && option("giveBack", 1) != 0) {
            Hakmem.allocator().releaseThreadCache();
        }
    }

    /**
     * The RSS split (anonymous / file / shared memory) on a # line, and for hakmem the allocator's own view
     * at this point, on a # line and in the RESULT line.
     */
    private void stats(String when) {
        System.out.println("# status " + when + ": " + Rss.breakdown());
        if (option("nmt", 0) != 0) {
            nativeMemory(when);
        }
        if (option("smaps", 0) != 0) {
            Rss.bigMappings(when, option("smaps", 0));
        }
        if (!hakmem) {
            return;
        }
        HakmemStats s = Hakmem.stats();
        System.out.println("# stats " + when + ": " + s);
        result.put("mapped_" + when + "KiB", s.mappedBytes() / KIB);
        result.put("chunks_" + when, s.chunks());
        result.put("spans_" + when, s.spans());
        result.put("liveKiB_" + when, s.liveBytes() / KIB);
        if (!s.osRoute().equals("mmap")) {
            // file-backed routes: hakmem's mappings are named in smaps, and a backing file held open has pages
            long chunkRss = BackingFile.mappedRssKiB();
            if (chunkRss > 0 || !s.osRoute().equals("arena")) {
                result.put("chunkRssKiB_" + when, chunkRss);
            }
            long file = BackingFile.allocatedKiB();
            if (file >= 0) {
                result.put("fileKiB_" + when, file);
            }
        }
    }

    /**
     * With {@code nmt=1} (and {@code -XX:NativeMemoryTracking=summary}): the JVM's own native memory summary,
     * to see what of an RSS change is the JVM's (JIT, classes, threads) and not the allocator's. Loads JMX,
     * which itself costs RSS: a diagnostic, not for the comparison runs.
     */
    private static void nativeMemory(String when) {
        try {
            var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
            var name = new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
            Object out = server.invoke(name, "vmNativeMemory", new Object[] {new String[] {"summary"}},
                    new String[] {String[].class.getName()});
            for (String line : String.valueOf(out).split("\n")) {
                System.out.println("# nmt " + when + ": " + line);
            }
        } catch (Exception e) {
            System.out.println("# nmt " + when + ": unavailable: " + e);
        }
    }

    // ---- measurement -----------------------------------------------------------------------------------

    /** VmRSS of this process, in KiB. */
    static final class Rss {
        private static final Path STATUS = Path.of("/proc/self/status");

        private Rss() {
        }

        static long read() {
            return field(status(), "VmRSS");
        }

        /** Diagnostic ({@code smaps=N}): every mapping with at least N KiB resident, on # lines. */
        static void bigMappings(String when, long minKiB) {
            try (var lines = Files.lines(Path.of("/proc/self/smaps"))) {
                String header = null;
                for (String line : (Iterable<String>) lines::iterator) {
                    int dash = line.indexOf('-');
                    if (dash > 0 && line.substring(0, dash).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                        header = line;
                    } else if (line.startsWith("Rss:")) {
                        long rss = Long.parseLong(line.substring(4).trim().split(" ")[0]);
                        if (rss >= minKiB) {
                            System.out.println("# smaps " + when + ": " + rss + " KiB " + header);
                        }
                    }
                }
            } catch (IOException e) {
                System.out.println("# smaps " + when + ": unavailable: " + e);
            }
        }

        /** VmRSS and its parts, for the log. */
        static String breakdown() {
            String status = status();
            StringBuilder line = new StringBuilder();
            for (String name : new String[] {"VmRSS", "RssAnon", "RssFile", "RssShmem", "VmSize", "Threads"}) {
                line.append(name).append('=').append(field(status, name)).append(' ');
            }
            return line.toString().trim();
        }

        private static String status() {
            try {
                return new String(Files.readAllBytes(STATUS), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + STATUS, e);
            }
        }

        /** The number of a "Name:   123 kB" line (kB for the sizes). */
        private static long field(String status, String name) {
            int at = status.indexOf("\n" + name + ":");
            if (at < 0) {
                throw new IllegalStateException("no " + name + " in " + STATUS);
            }
            int start = at + name.length() + 2;
            int end = status.indexOf('\n', start);
            String value = status.substring(start, end < 0 ? status.length() : end).trim(); // "123456 kB" or "12"
            int space = value.indexOf(' ');
            return Long.parseLong(space < 0 ? value : value.substring(0, space));
        }
    }

    /**
     * hakmem's mmap route makes FFM downcall handles for {@code mmap}/{@code munmap} when it starts, and the
     * JVM's native memory churn for that (stub generation, in glibc's heap of the JVM, freed but kept) is
     * several MiB of RSS. Making the same two handles, and calling them once, before the baseline in every
     * JVM with native access puts that cost in every candidate's baseline, not only in hakmem's, so
     * peak − baseline compares the allocators and not the JVM's set-up. ({@code ffmWarmup=0} turns it off.)
     */
    static final class FfmWarmup {
        private FfmWarmup() {
        }

        static void run() {
            var linker = java.lang.foreign.Linker.nativeLinker();
            var libc = linker.defaultLookup();
            var jlong = java.lang.foreign.ValueLayout.JAVA_LONG;
            var jint = java.lang.foreign.ValueLayout.JAVA_INT;
            var mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                    java.lang.foreign.FunctionDescriptor.of(jlong, jlong, jlong, jint, jint, jint, jlong));
            var munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                    java.lang.foreign.FunctionDescriptor.of(jint, jlong, jlong));
            try {
                long address = (long) mmap.invokeExact(0L, (long) PAGE, 0x3 /* PROT_READ|PROT_WRITE */,
                        0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0L);
                if (address != -1L) {
                    int unused = (int) munmap.invokeExact(address, (long) PAGE);
                }
            } catch (Throwable e) {
                throw new IllegalStateException("FFM warm-up failed", e);
            }
        }
    }

    /** A platform thread reading VmRSS every few milliseconds and keeping the maximum. */
    static final class Sampler {
        private final long periodMs;
        private final Thread thread;
        private volatile long peak;
        private volatile long samples;
        private volatile boolean running = true;

        Sampler(long periodMs) {
            this.periodMs = periodMs;
            this.thread = Thread.ofPlatform().name("rss-sampler").daemon().unstarted(this::loop);
        }

        void start() {
            thread.start();
        }

        private void loop() {
            while (running) {
                long rss = Rss.read();
                if (rss > peak) {
                    peak = rss;
                }
                samples++;
                try {
                    Thread.sleep(periodMs);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void resetPeak() {
            peak = 0;
        }

        long peak() {
            return peak;
        }

        long samples() {
            return samples;
        }

        void stop() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join();
        }
    }

    /**
     * hakmem's file-backed routes map unlinked files in /dev/shm named {@code hakmem-*.map}.
     * {@link #mappedRssKiB()} is the resident KiB of those mappings. {@link #allocatedKiB()} is how many KiB
     * a backing file still held open has allocated (-1 if none is open, as on the shm route, which closes each
     * file once mapped): a privately mapped tmpfs file fills its holes on write faults before the copy, and
     * those pages count in the system's Shmem but not in this process's RSS.
     */
    static final class BackingFile {
        private BackingFile() {
        }

        /**
         * The resident KiB of hakmem's mappings: on the file-backed routes they are named by their file in
         * /proc/self/smaps, so (unlike on the anonymous mmap route) hakmem's own share of RSS can be told
         * apart from the JVM's.
         */
        static long mappedRssKiB() {
            try (var lines = Files.lines(Path.of("/proc/self/smaps"))) {
                long total = 0;
                boolean ours = false;
                for (String line : (Iterable<String>) lines::iterator) {
                    if (isHeader(line)) {
                        ours = line.contains("/hakmem-") && line.contains(".map");
                    } else if (ours && line.startsWith("Rss:")) {
                        total += Long.parseLong(line.substring(4).trim().split(" ")[0]);
                    }
                }
                return total;
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        /** A mapping's first line: "start-end perms offset dev inode [path]". */
        private static boolean isHeader(String line) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            return dash > 0 && space > dash && line.substring(0, dash).chars().allMatch(c -> Character.digit(c, 16) >= 0);
        }

        static long allocatedKiB() {
            long pid = ProcessHandle.current().pid();
            try (var fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : (Iterable<Path>) fds::iterator) {
                    String target;
                    try {
                        target = Files.readSymbolicLink(fd).toString();
                    } catch (IOException e) {
                        continue; // closed meanwhile
                    }
                    if (target.contains("/hakmem-") && target.contains(".map")) {
                        Process stat = new ProcessBuilder("stat", "-L", "-c", "%b %B",
                                "/proc/" + pid + "/fd/" + fd.getFileName()).redirectErrorStream(true).start();
                        String out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
                        if (stat.waitFor() != 0) {
                            return -1;
                        }
                        String[] parts = out.split(" ");
                        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]) / KIB;
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                return -1;
            }
            return -1;
        }
    }
}
