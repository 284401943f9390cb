package dev.hakmem;

import dev.hakmem.refill.spi.CacheBudget;
import dev.hakmem.refill.spi.Policy;

import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Everything hakmem can be told, built once and immutable. {@link #fromEnvironment()} reads system
 * properties ({@code hakmem.*}) first, then environment variables ({@code HAKMEM_*}); an invalid
 * value fails at once with a message that names the key, the value and what is allowed.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr><th>property</th><th>environment</th><th>default</th><th>meaning</th></tr>
 * <tr><td>hakmem.limit</td><td>HAKMEM_LIMIT</td><td>none</td><td>ceiling on bytes in use (k/m/g suffixes)</td></tr>
 * <tr><td>hakmem.chunk.init</td><td>HAKMEM_CHUNK_INIT</td><td>1m</td><td>first chunk mapped from the OS</td></tr>
 * <tr><td>hakmem.chunk.max</td><td>HAKMEM_CHUNK_MAX</td><td>8m</td><td>chunks grow up to this (each an eighth of what chunks map)</td></tr>
 * <tr><td>hakmem.chunk.growthLevels</td><td>HAKMEM_CHUNK_GROWTH_LEVELS</td><td>3</td><td>the n-th chunk is at most init &lt;&lt; min(n - 1, this)</td></tr>
 * <tr><td>hakmem.chunk.retain</td><td>HAKMEM_CHUNK_RETAIN</td><td>1</td><td>empty chunks kept mapped</td></tr>
 * <tr><td>hakmem.chunk.decayMillis</td><td>HAKMEM_CHUNK_DECAY_MILLIS</td><td>10000</td><td>further empty chunks go back to
 * the OS once empty this long (checked when spans are released, and by a daemon thread every half decay time; {@code trim()}
 * gives them all back at once)</td></tr>
 * <tr><td>hakmem.dirty.decayMillis</td><td>HAKMEM_DIRTY_DECAY_MILLIS</td><td>1000</td><td>free pages inside chunks that stay
 * mapped give their memory back ({@code madvise}, the mmap route) once free this long, and an idle thread's cache is trimmed
 * once idle this long; never longer than the chunk decay in force (the learner's, if on). 0 = at the next visit of the
 * daemon thread</td></tr>
 * <tr><td>hakmem.os</td><td>HAKMEM_OS</td><td>auto</td><td>auto, mmap, shm or arena (see README)</td></tr>
 * <tr><td>hakmem.stripes</td><td>HAKMEM_STRIPES</td><td>2 x CPUs</td><td>caches shared by virtual threads</td></tr>
 * <tr><td>hakmem.prewarm</td><td>HAKMEM_PREWARM</td><td>0</td><td>pre-fill classes up to this size in new threads</td></tr>
 * <tr><td>hakmem.hugeCache.entries</td><td>HAKMEM_HUGE_CACHE_ENTRIES</td><td>4</td><td>freed huge mappings kept</td></tr>
 * <tr><td>hakmem.hugeCache.max</td><td>HAKMEM_HUGE_CACHE_MAX</td><td>64m</td><td>their total size</td></tr>
 * <tr><td>hakmem.stats</td><td>HAKMEM_STATS</td><td>true</td><td>per-thread counters (read once, at class load)</td></tr>
 * <tr><td>hakmem.checks</td><td>HAKMEM_CHECKS</td><td>true</td><td>double-free and interior-pointer detection (read once, at class load)</td></tr>
 * <tr><td>hakmem.debug</td><td>HAKMEM_DEBUG</td><td>false</td><td>poison freed blocks and put a canary after each block, to find
 * writes after free and overflows ({@link HakmemAllocator#debugFindings()}); several times slower (see README)</td></tr>
 * <tr><td>hakmem.learn</td><td>HAKMEM_LEARN</td><td>false</td><td>a background thread learns from the refill engine's
 * events and adapts its policy (how long empty chunks stay mapped; cache capacities and batches per size class within
 * {@code hakmem.cache.maxBytes}); see README</td></tr>
 * <tr><td>hakmem.cache.batchPercent</td><td>HAKMEM_CACHE_BATCH_PERCENT</td><td>100</td><td>blocks a thread cache takes per
 * refill, in percent of each class's default (127 for classes up to 1 KiB, about 256 KiB worth above); 1..1000</td></tr>
 * <tr><td>hakmem.cache.capacityPercent</td><td>HAKMEM_CACHE_CAPACITY_PERCENT</td><td>200</td><td>blocks a thread cache
 * holds per class, in percent of its batch (an overflow gives back the older half); 100..1000. A cache holds at most
 * 254 blocks of a class</td></tr>
 * <tr><td>hakmem.cache.maxBytes</td><td>HAKMEM_CACHE_MAX_BYTES</td><td>none</td><td>the most one thread's caches hold when
 * every class is full: capacities are cut, largest classes first, until they fit; the learner moves capacity between
 * classes within it (without it, within what the starting capacities hold). At least one block of every class
 * (6.5 MiB)</td></tr>
 * </table>
 * The C original's {@code HAKMEM_POOL_TLS_ARENA_MB_INIT}, {@code _MAX} and {@code _GROWTH_LEVELS}
 * are accepted as aliases of the chunk keys (in MiB).
 *
 * <p>This class is the only reader of {@code hakmem.*} and {@code HAKMEM_*}; values are parsed by
 * {@link ConfigValues}, which the agent's options share. In code, {@link #builder()} starts from the
 * defaults and {@link Builder#build()} validates:
 * <pre>{@code HakmemConfig.builder().limitBytes(512L << 20).osRoute(OsRoute.SHM).build()}</pre>
 * {@code stats} and {@code checks} are per JVM: they are JIT constants of the hot path, taken from
 * {@link #fromEnvironment()}'s values when the first allocator is made ({@code HotPathFlags}); an
 * allocator built with other values says so once.
 */
public final class HakmemConfig {

    private static final long PAGE = 64 * 1024;
    private static final long MAX_CHUNK = 1L << 30;

    /**
     * How chunks come from the OS. The refill engine has its own enum of the same constants
     * ({@code MemoryRoute}): it cannot read this module, and this module's API cannot name the
     * engine's; {@code HakmemConfigTest} keeps the two the same.
     */
    public enum OsRoute { AUTO, MMAP, SHM, ARENA }

    private final long limitBytes;
    private final long chunkInitBytes;
    private final long chunkMaxBytes;
    private final int growthLevels;
    private final int retainedChunks;
    private final long chunkDecayMillis;
    private final long dirtyDecayMillis;
    private final OsRoute osRoute;
    private final int stripes;
    private final int prewarmBytes;
    private final int hugeCacheEntries;
    private final long hugeCacheBytes;
    private final boolean statistics;
    private final boolean checks;
    private final boolean debug;
    private final boolean learn;
    private final int cacheBatchPercent;
    private final int cacheCapacityPercent;
    private final long cacheMaxBytes;

    private HakmemConfig(Builder b) {
        this.limitBytes = b.limitBytes;
        this.chunkInitBytes = b.chunkInitBytes;
        this.chunkMaxBytes = b.chunkMaxBytes;
        this.growthLevels = b.growthLevels;
        this.retainedChunks = b.retainedChunks;
        this.chunkDecayMillis = b.chunkDecayMillis;
        this.dirtyDecayMillis = b.dirtyDecayMillis;
        this.osRoute = Objects.requireNonNull(b.osRoute, "osRoute");
        this.stripes = b.stripes;
        this.prewarmBytes = b.prewarmBytes;
        this.hugeCacheEntries = b.hugeCacheEntries;
        this.hugeCacheBytes = b.hugeCacheBytes;
        this.statistics = b.statistics;
        this.checks = b.checks;
        this.debug = b.debug;
        this.learn = b.learn;
        this.cacheBatchPercent = b.cacheBatchPercent;
        this.cacheCapacityPercent = b.cacheCapacityPercent;
        this.cacheMaxBytes = b.cacheMaxBytes;
        check("hakmem.limit", limitBytes, limitBytes > 0, "a size greater than 0");
        check("hakmem.chunk.init", chunkInitBytes, chunkInitBytes >= PAGE && chunkInitBytes <= MAX_CHUNK
                && chunkInitBytes % PAGE == 0, "a multiple of 64k between 64k and 1g");
        check("hakmem.chunk.max", chunkMaxBytes, chunkMaxBytes >= chunkInitBytes && chunkMaxBytes <= MAX_CHUNK
                && chunkMaxBytes % PAGE == 0, "a multiple of 64k between hakmem.chunk.init (" + chunkInitBytes + ") and 1g");
        check("hakmem.chunk.growthLevels", growthLevels, growthLevels >= 0 && growthLevels <= 14, "0..14");
        check("hakmem.chunk.retain", retainedChunks, retainedChunks >= 0 && retainedChunks <= 1024, "0..1024");
        check("hakmem.chunk.decayMillis", chunkDecayMillis, chunkDecayMillis >= 0 && chunkDecayMillis <= Policy.MAX_DECAY_MILLIS,
                "0.." + Policy.MAX_DECAY_MILLIS + " (milliseconds; 0 = give empty chunks back at once)");
        check("hakmem.dirty.decayMillis", dirtyDecayMillis, dirtyDecayMillis >= 0 && dirtyDecayMillis <= Policy.MAX_DECAY_MILLIS,
                "0.." + Policy.MAX_DECAY_MILLIS + " (milliseconds; 0 = give free pages back at the purger's next visit)");
        check("hakmem.stripes", stripes, stripes >= 1 && stripes <= 4096, "1..4096");
        check("hakmem.prewarm", prewarmBytes, prewarmBytes >= 0 && prewarmBytes <= 1024, "0..1024 (bytes; 0 = off)");
        check("hakmem.hugeCache.entries", hugeCacheEntries, hugeCacheEntries >= 0 && hugeCacheEntries <= 1024, "0..1024");
        check("hakmem.hugeCache.max", hugeCacheBytes, hugeCacheBytes >= 0, "a size of 0 or more");
        check("hakmem.cache.batchPercent", cacheBatchPercent, cacheBatchPercent >= 1 && cacheBatchPercent <= 1000, "1..1000");
        check("hakmem.cache.capacityPercent", cacheCapacityPercent, cacheCapacityPercent >= 100 && cacheCapacityPercent <= 1000,
                "100..1000 (a cache holds at least one batch)");
        check("hakmem.cache.maxBytes", cacheMaxBytes, cacheMaxBytes == NO_CACHE_BUDGET || cacheMaxBytes >= CacheBudget.floorBytes(),
                "a size of at least " + CacheBudget.floorBytes() + " (one block of every size class)");
    }

    /** {@link #cacheMaxBytes()} when no budget was set. */
    public static final long NO_CACHE_BUDGET = Long.MAX_VALUE;

    private static void check(String key, long value, boolean ok, String allowed) {
        if (!ok) {
            throw new IllegalArgumentException("hakmem: invalid value " + value + " for " + key + ": expected " + allowed);
        }
    }

    /** A builder holding the {@linkplain #defaults() defaults}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return new Builder().limitBytes(limitBytes).chunkInitBytes(chunkInitBytes).chunkMaxBytes(chunkMaxBytes)
                .growthLevels(growthLevels).retainedChunks(retainedChunks).chunkDecayMillis(chunkDecayMillis)
                .dirtyDecayMillis(dirtyDecayMillis).osRoute(osRoute).stripes(stripes).prewarmBytes(prewarmBytes)
                .hugeCacheEntries(hugeCacheEntries)
                .hugeCacheBytes(hugeCacheBytes).statistics(statistics).checks(checks).debug(debug).learn(learn)
                .cacheBatchPercent(cacheBatchPercent).cacheCapacityPercent(cacheCapacityPercent).cacheMaxBytes(cacheMaxBytes);
    }

    public static HakmemConfig defaults() {
        return builder().build();
    }

    /** From {@code hakmem.*} system properties, then {@code HAKMEM_*} environment variables, then defaults. */
    public static HakmemConfig fromEnvironment() {
        return from(System.getProperties(), System.getenv());
    }

    /** As {@link #fromEnvironment()}, over the given maps (tests, agents that parse their own options). */
    public static HakmemConfig from(Properties properties, Map<String, String> environment) {
        Source source = new Source(properties, environment);
        Builder d = builder();
        long chunkInit = source.size("hakmem.chunk.init", "HAKMEM_CHUNK_INIT",
                source.megabytes("HAKMEM_POOL_TLS_ARENA_MB_INIT", d.chunkInitBytes));
        long chunkMax = source.size("hakmem.chunk.max", "HAKMEM_CHUNK_MAX",
                source.megabytes("HAKMEM_POOL_TLS_ARENA_MB_MAX", Math.max(d.chunkMaxBytes, chunkInit)));
        int growth = source.integer("hakmem.chunk.growthLevels", "HAKMEM_CHUNK_GROWTH_LEVELS",
                source.integer(null, "HAKMEM_POOL_TLS_ARENA_GROWTH_LEVELS", d.growthLevels));
        return builder()
                .limitBytes(source.size("hakmem.limit", "HAKMEM_LIMIT", d.limitBytes))
                .chunkInitBytes(chunkInit)
                .chunkMaxBytes(chunkMax)
                .growthLevels(growth)
                .retainedChunks(source.integer("hakmem.chunk.retain", "HAKMEM_CHUNK_RETAIN", d.retainedChunks))
                .chunkDecayMillis(source.integer("hakmem.chunk.decayMillis", "HAKMEM_CHUNK_DECAY_MILLIS", (int) d.chunkDecayMillis))
                .dirtyDecayMillis(source.integer("hakmem.dirty.decayMillis", "HAKMEM_DIRTY_DECAY_MILLIS", (int) d.dirtyDecayMillis))
                .osRoute(source.choice("hakmem.os", "HAKMEM_OS", OsRoute.class, d.osRoute))
                .stripes(source.integer("hakmem.stripes", "HAKMEM_STRIPES", d.stripes))
                .prewarmBytes(source.integer("hakmem.prewarm", "HAKMEM_PREWARM", d.prewarmBytes))
                .hugeCacheEntries(source.integer("hakmem.hugeCache.entries", "HAKMEM_HUGE_CACHE_ENTRIES", d.hugeCacheEntries))
                .hugeCacheBytes(source.size("hakmem.hugeCache.max", "HAKMEM_HUGE_CACHE_MAX", d.hugeCacheBytes))
                .statistics(source.bool(STATS_PROPERTY, STATS_VARIABLE, d.statistics))
                .checks(source.bool(CHECKS_PROPERTY, CHECKS_VARIABLE, d.checks))
                .debug(source.bool("hakmem.debug", "HAKMEM_DEBUG", d.debug))
                .learn(source.bool(LEARN_PROPERTY, "HAKMEM_LEARN", d.learn))
                .cacheBatchPercent(source.integer("hakmem.cache.batchPercent", "HAKMEM_CACHE_BATCH_PERCENT", d.cacheBatchPercent))
                .cacheCapacityPercent(source.integer("hakmem.cache.capacityPercent", "HAKMEM_CACHE_CAPACITY_PERCENT",
                        d.cacheCapacityPercent))
                .cacheMaxBytes(source.size("hakmem.cache.maxBytes", "HAKMEM_CACHE_MAX_BYTES", d.cacheMaxBytes))
                .build();
    }

    /** The key the agent's {@code learn=} option sets. */
    public static final String LEARN_PROPERTY = "hakmem.learn";
    static final String STATS_PROPERTY = "hakmem.stats";
    static final String STATS_VARIABLE = "HAKMEM_STATS";
    static final String CHECKS_PROPERTY = "hakmem.checks";
    static final String CHECKS_VARIABLE = "HAKMEM_CHECKS";

    /**
     * The hot path's per-JVM switches, {@code stats} and {@code checks}, from the environment: read
     * apart from the other keys so that a bad value elsewhere does not decide them (it fails the
     * allocator that reads it, with its message). A bad value of these two reads as the default
     * here and fails {@link #fromEnvironment()} the same way.
     *
     * @return {statistics, checks}
     */
    static boolean[] hotPathSwitchesFromEnvironment() {
        Source source = new Source(System.getProperties(), System.getenv());
        boolean[] switches = {true, true};
        try {
            switches[0] = source.bool(STATS_PROPERTY, STATS_VARIABLE, true);
        } catch (IllegalArgumentException e) {
            // reported by fromEnvironment()
        }
        try {
            switches[1] = source.bool(CHECKS_PROPERTY, CHECKS_VARIABLE, true);
        } catch (IllegalArgumentException e) {
            // reported by fromEnvironment()
        }
        return switches;
    }

    public HakmemConfig withLimit(long bytes) {
        return toBuilder().limitBytes(bytes).build();
    }

    public HakmemConfig withOsRoute(OsRoute route) {
        return toBuilder().osRoute(route).build();
    }

    public HakmemConfig withStripes(int count) {
        return toBuilder().stripes(count).build();
    }

    public HakmemConfig withPrewarm(int bytes) {
        return toBuilder().prewarmBytes(bytes).build();
    }

    public HakmemConfig withRetainedChunks(int count) {
        return toBuilder().retainedChunks(count).build();
    }

    /** This configuration with debug mode on or off (see {@link HakmemAllocator#debugFindings()}). */
    public HakmemConfig withDebug(boolean on) {
        return toBuilder().debug(on).build();
    }

    public long limitBytes() {
        return limitBytes;
    }

    public long chunkInitBytes() {
        return chunkInitBytes;
    }

    public long chunkMaxBytes() {
        return chunkMaxBytes;
    }

    public int growthLevels() {
        return growthLevels;
    }

    public int retainedChunks() {
        return retainedChunks;
    }

    public long chunkDecayMillis() {
        return chunkDecayMillis;
    }

    public long dirtyDecayMillis() {
        return dirtyDecayMillis;
    }

    public OsRoute osRoute() {
        return osRoute;
    }

    public int stripes() {
        return stripes;
    }

    public int prewarmBytes() {
        return prewarmBytes;
    }

    public int hugeCacheEntries() {
        return hugeCacheEntries;
    }

    public long hugeCacheBytes() {
        return hugeCacheBytes;
    }

    public boolean statistics() {
        return statistics;
    }

    public boolean checks() {
        return checks;
    }

    public boolean debug() {
        return debug;
    }

    /** {@code hakmem.learn}: whether a learner adapts the engine's policy. */
    public boolean learn() {
        return learn;
    }

    /** {@code hakmem.cache.batchPercent}: blocks per refill, in percent of each class's default. */
    public int cacheBatchPercent() {
        return cacheBatchPercent;
    }

    /** {@code hakmem.cache.capacityPercent}: blocks a cache holds per class, in percent of its batch. */
    public int cacheCapacityPercent() {
        return cacheCapacityPercent;
    }

    /** {@code hakmem.cache.maxBytes}: what one thread's full caches may hold; {@link #NO_CACHE_BUDGET} if not set. */
    public long cacheMaxBytes() {
        return cacheMaxBytes;
    }

    /** This configuration with learning on or off. */
    public HakmemConfig withLearning(boolean on) {
        return toBuilder().learn(on).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HakmemConfig c && limitBytes == c.limitBytes && chunkInitBytes == c.chunkInitBytes
                && chunkMaxBytes == c.chunkMaxBytes && growthLevels == c.growthLevels && retainedChunks == c.retainedChunks
                && chunkDecayMillis == c.chunkDecayMillis && dirtyDecayMillis == c.dirtyDecayMillis && osRoute == c.osRoute && stripes == c.stripes
                && prewarmBytes == c.prewarmBytes && hugeCacheEntries == c.hugeCacheEntries && hugeCacheBytes == c.hugeCacheBytes
                && statistics == c.statistics && checks == c.checks && debug == c.debug && learn == c.learn
                && cacheBatchPercent == c.cacheBatchPercent && cacheCapacityPercent == c.cacheCapacityPercent
                && cacheMaxBytes == c.cacheMaxBytes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(limitBytes, chunkInitBytes, chunkMaxBytes, growthLevels, retainedChunks, chunkDecayMillis, dirtyDecayMillis,
                osRoute, stripes, prewarmBytes, hugeCacheEntries, hugeCacheBytes, statistics, checks, debug, learn, cacheBatchPercent,
                cacheCapacityPercent, cacheMaxBytes);
    }

    @Override
    public String toString() {
        return "HakmemConfig[limitBytes=" + limitBytes + ", chunkInitBytes=" + chunkInitBytes + ", chunkMaxBytes=" + chunkMaxBytes
                + ", growthLevels=" + growthLevels + ", retainedChunks=" + retainedChunks + ", chunkDecayMillis=" + chunkDecayMillis
                + ", dirtyDecayMillis=" + dirtyDecayMillis + ", osRoute=" + osRoute + ", stripes=" + stripes
                + ", prewarmBytes=" + prewarmBytes
                + ", hugeCacheEntries=" + hugeCacheEntries + ", hugeCacheBytes=" + hugeCacheBytes + ", statistics=" + statistics
                + ", checks=" + checks + ", debug=" + debug + ", learn=" + learn + ", cacheBatchPercent=" + cacheBatchPercent
                + ", cacheCapacityPercent=" + cacheCapacityPercent
                + ", cacheMaxBytes=" + (cacheMaxBytes == NO_CACHE_BUDGET ? "none" : cacheMaxBytes) + "]";
    }

    /**
     * Collects values for a {@link HakmemConfig}; starts from the defaults. Values are checked by
     * {@link #build()}, each with the name of its {@code hakmem.*} key in the message.
     */
    public static final class Builder {
        private long limitBytes = Long.MAX_VALUE;
        // 1 MiB first chunk doubling to 8 MiB: the C original's 1 -> 2 -> 4 -> 8 MB
        private long chunkInitBytes = 1L << 20;
        private long chunkMaxBytes = 8L << 20;
        private int growthLevels = 3;
        private int retainedChunks = 1;
        // jemalloc's default dirty decay
        private long chunkDecayMillis = 10_000;
        // a purged page costs one fault when reused, an unmapped chunk two system calls and the faults of all its pages;
        // 1 s is the learner's shortest chunk decay, the one the bursty-then-idle workload rewards
        private long dirtyDecayMillis = 1_000;
        private OsRoute osRoute = OsRoute.AUTO;
        private int stripes = 2 * Runtime.getRuntime().availableProcessors();
        private int prewarmBytes;
        private int hugeCacheEntries = 4;
        private long hugeCacheBytes = 64L << 20;
        private boolean statistics = true;
        private boolean checks = true;
        private boolean debug;
        private boolean learn;
        private int cacheBatchPercent = 100;
        private int cacheCapacityPercent = 200;
        private long cacheMaxBytes = NO_CACHE_BUDGET;

        private Builder() {
        }

        /** {@code hakmem.limit}: ceiling on bytes in use; {@code Long.MAX_VALUE} for none. */
        public Builder limitBytes(long bytes) {
            this.limitBytes = bytes;
            return this;
        }

        /** {@code hakmem.chunk.init}: the first chunk mapped from the OS, a multiple of 64 KiB. */
        public Builder chunkInitBytes(long bytes) {
            this.chunkInitBytes = bytes;
            return this;
        }

        /** {@code hakmem.chunk.max}: chunks double up to this. */
        public Builder chunkMaxBytes(long bytes) {
            this.chunkMaxBytes = bytes;
            return this;
        }

        /** {@code hakmem.chunk.growthLevels}: doublings allowed. */
        public Builder growthLevels(int levels) {
            this.growthLevels = levels;
            return this;
        }

        /** {@code hakmem.chunk.retain}: empty chunks kept mapped. */
        public Builder retainedChunks(int count) {
            this.retainedChunks = count;
            return this;
        }

        /** {@code hakmem.chunk.decayMillis}: how long a further empty chunk stays mapped. */
        public Builder chunkDecayMillis(long millis) {
            this.chunkDecayMillis = millis;
            return this;
        }

        /** {@code hakmem.dirty.decayMillis}: how long a free page inside a chunk that stays mapped keeps its memory. */
        public Builder dirtyDecayMillis(long millis) {
            this.dirtyDecayMillis = millis;
            return this;
        }

        /** {@code hakmem.os}. */
        public Builder osRoute(OsRoute route) {
            this.osRoute = route;
            return this;
        }

        /** {@code hakmem.stripes}: caches shared by virtual threads. */
        public Builder stripes(int count) {
            this.stripes = count;
            return this;
        }

        /** {@code hakmem.prewarm}: pre-fill classes up to this size in new threads; 0 for none. */
        public Builder prewarmBytes(int bytes) {
            this.prewarmBytes = bytes;
            return this;
        }

        /** {@code hakmem.hugeCache.entries}: freed huge mappings kept. */
        public Builder hugeCacheEntries(int count) {
            this.hugeCacheEntries = count;
            return this;
        }

        /** {@code hakmem.hugeCache.max}: their total size. */
        public Builder hugeCacheBytes(long bytes) {
            this.hugeCacheBytes = bytes;
            return this;
        }

        /** {@code hakmem.stats}; per JVM (see {@link HakmemConfig}). */
        public Builder statistics(boolean on) {
            this.statistics = on;
            return this;
        }

        /** {@code hakmem.checks}; per JVM (see {@link HakmemConfig}). */
        public Builder checks(boolean on) {
            this.checks = on;
            return this;
        }

        /** {@code hakmem.debug}. */
        public Builder debug(boolean on) {
            this.debug = on;
            return this;
        }

        /** {@code hakmem.learn}. */
        public Builder learn(boolean on) {
            this.learn = on;
            return this;
        }

        /** {@code hakmem.cache.batchPercent}. */
        public Builder cacheBatchPercent(int percent) {
            this.cacheBatchPercent = percent;
            return this;
        }

        /** {@code hakmem.cache.capacityPercent}. */
        public Builder cacheCapacityPercent(int percent) {
            this.cacheCapacityPercent = percent;
            return this;
        }

        /** {@code hakmem.cache.maxBytes}; {@link HakmemConfig#NO_CACHE_BUDGET} for none. */
        public Builder cacheMaxBytes(long bytes) {
            this.cacheMaxBytes = bytes;
            return this;
        }

        /** @throws IllegalArgumentException naming the key, the value and what is allowed */
        public HakmemConfig build() {
            return new HakmemConfig(this);
        }
    }

    /**
     * Parses a size: digits with an optional k, m, g or t suffix (powers of 1024), case-insensitive
     * ({@link ConfigValues#size}).
     *
     * @throws IllegalArgumentException naming {@code key} if it is not one
     */
    public static long parseSize(String key, String text) {
        return ConfigValues.size(key, text);
    }

    private record Source(Properties properties, Map<String, String> environment) {
        /** @return "value" and where it came from, or null */
        private String[] raw(String property, String variable) {
            String p = property == null ? null : properties.getProperty(property);
            if (p != null) {
                return new String[] {p, property};
            }
            String e = variable == null ? null : environment.get(variable);
            return e == null ? null : new String[] {e, variable};
        }

        long size(String property, String variable, long fallback) {
            String[] r = raw(property, variable);
            return r == null ? fallback : ConfigValues.size(r[1], r[0]);
        }

        long megabytes(String variable, long fallback) {
            String e = environment.get(variable);
            if (e == null) {
                return fallback;
            }
            try {
                long mb = Long.parseLong(e.trim());
                if (mb < 0 || mb > 1024) {
                    throw new NumberFormatException();
                }
                return mb << 20;
            } catch (NumberFormatException x) {
                throw new IllegalArgumentException("hakmem: invalid value '" + e + "' for " + variable
                        + ": expected a whole number 0..1024");
            }
        }

        int integer(String property, String variable, int fallback) {
            String[] r = raw(property, variable);
            return r == null ? fallback : ConfigValues.integer(r[1], r[0]);
        }

        boolean bool(String property, String variable, boolean fallback) {
            String[] r = raw(property, variable);
            return r == null ? fallback : ConfigValues.bool(r[1], r[0]);
        }

        <E extends Enum<E>> E choice(String property, String variable, Class<E> type, E fallback) {
            String[] r = raw(property, variable);
            return r == null ? fallback : ConfigValues.choice(r[1], r[0], type);
        }
    }
}
