package dev.hakmem;

import java.util.Locale;
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
 * <tr><td>hakmem.chunk.max</td><td>HAKMEM_CHUNK_MAX</td><td>8m</td><td>chunks double up to this</td></tr>
 * <tr><td>hakmem.chunk.growthLevels</td><td>HAKMEM_CHUNK_GROWTH_LEVELS</td><td>3</td><td>doublings allowed</td></tr>
 * <tr><td>hakmem.chunk.retain</td><td>HAKMEM_CHUNK_RETAIN</td><td>1</td><td>empty chunks kept mapped</td></tr>
 * <tr><td>hakmem.chunk.decayMillis</td><td>HAKMEM_CHUNK_DECAY_MILLIS</td><td>10000</td><td>further empty chunks go back to
 * the OS once empty this long (checked when spans are released, and by a daemon thread every half decay time; {@code trim()}
 * gives them all back at once)</td></tr>
 * <tr><td>hakmem.os</td><td>HAKMEM_OS</td><td>auto</td><td>auto, mmap, shm or arena (see README)</td></tr>
 * <tr><td>hakmem.stripes</td><td>HAKMEM_STRIPES</td><td>2 x CPUs</td><td>caches shared by virtual threads</td></tr>
 * <tr><td>hakmem.prewarm</td><td>HAKMEM_PREWARM</td><td>0</td><td>pre-fill classes up to this size in new threads</td></tr>
 * <tr><td>hakmem.hugeCache.entries</td><td>HAKMEM_HUGE_CACHE_ENTRIES</td><td>4</td><td>freed huge mappings kept</td></tr>
 * <tr><td>hakmem.hugeCache.max</td><td>HAKMEM_HUGE_CACHE_MAX</td><td>64m</td><td>their total size</td></tr>
 * <tr><td>hakmem.stats</td><td>HAKMEM_STATS</td><td>true</td><td>per-thread counters (read once, at class load)</td></tr>
 * <tr><td>hakmem.checks</td><td>HAKMEM_CHECKS</td><td>true</td><td>double-free and interior-pointer detection (read once, at class load)</td></tr>
 * <tr><td>hakmem.debug</td><td>HAKMEM_DEBUG</td><td>false</td><td>poison freed blocks and put a canary after each block, to find
 * writes after free and overflows ({@link HakmemAllocator#debugFindings()}); several times slower (see README)</td></tr>
 * </table>
 * The C original's {@code HAKMEM_POOL_TLS_ARENA_MB_INIT}, {@code _MAX} and {@code _GROWTH_LEVELS}
 * are accepted as aliases of the chunk keys (in MiB).
 */
public record HakmemConfig(long limitBytes, long chunkInitBytes, long chunkMaxBytes, int growthLevels,
                           int retainedChunks, long chunkDecayMillis, OsRoute osRoute, int stripes, int prewarmBytes,
                           int hugeCacheEntries, long hugeCacheBytes, boolean statistics,
                           boolean checks, boolean debug) {

    private static final long PAGE = 64 * 1024;
    private static final long MAX_CHUNK = 1L << 30;

    /** How chunks come from the OS. */
    public enum OsRoute { AUTO, MMAP, SHM, ARENA }

    public HakmemConfig {
        Objects.requireNonNull(osRoute, "osRoute");
        check("hakmem.limit", limitBytes, limitBytes > 0, "a size greater than 0");
        check("hakmem.chunk.init", chunkInitBytes, chunkInitBytes >= PAGE && chunkInitBytes <= MAX_CHUNK
                && chunkInitBytes % PAGE == 0, "a multiple of 64k between 64k and 1g");
        check("hakmem.chunk.max", chunkMaxBytes, chunkMaxBytes >= chunkInitBytes && chunkMaxBytes <= MAX_CHUNK
                && chunkMaxBytes % PAGE == 0, "a multiple of 64k between hakmem.chunk.init (" + chunkInitBytes + ") and 1g");
        check("hakmem.chunk.growthLevels", growthLevels, growthLevels >= 0 && growthLevels <= 14, "0..14");
        check("hakmem.chunk.retain", retainedChunks, retainedChunks >= 0 && retainedChunks <= 1024, "0..1024");
        check("hakmem.chunk.decayMillis", chunkDecayMillis, chunkDecayMillis >= 0 && chunkDecayMillis <= 3_600_000,
                "0..3600000 (milliseconds; 0 = give empty chunks back at once)");
        check("hakmem.stripes", stripes, stripes >= 1 && stripes <= 4096, "1..4096");
        check("hakmem.prewarm", prewarmBytes, prewarmBytes >= 0 && prewarmBytes <= 1024, "0..1024 (bytes; 0 = off)");
        check("hakmem.hugeCache.entries", hugeCacheEntries, hugeCacheEntries >= 0 && hugeCacheEntries <= 1024, "0..1024");
        check("hakmem.hugeCache.max", hugeCacheBytes, hugeCacheBytes >= 0, "a size of 0 or more");
    }

    private static void check(String key, long value, boolean ok, String allowed) {
        if (!ok) {
            throw new IllegalArgumentException("hakmem: invalid value " + value + " for " + key + ": expected " + allowed);
        }
    }

    public static HakmemConfig defaults() {
        return new HakmemConfig(Long.MAX_VALUE, 1L << 20, 8L << 20, 3, 1, 10_000, OsRoute.AUTO,
                2 * Runtime.getRuntime().availableProcessors(), 0, 4, 64L << 20, true, true, false);
    }

    /** From {@code hakmem.*} system properties, then {@code HAKMEM_*} environment variables, then defaults. */
    public static HakmemConfig fromEnvironment() {
        return from(System.getProperties(), System.getenv());
    }

    /** As {@link #fromEnvironment()}, over the given maps (tests, agents that parse their own options). */
    public static HakmemConfig from(Properties properties, Map<String, String> environment) {
        Source source = new Source(properties, environment);
        HakmemConfig d = defaults();
        long chunkInit = source.size("hakmem.chunk.init", "HAKMEM_CHUNK_INIT",
                source.megabytes("HAKMEM_POOL_TLS_ARENA_MB_INIT", d.chunkInitBytes));
        long chunkMax = source.size("hakmem.chunk.max", "HAKMEM_CHUNK_MAX",
                source.megabytes("HAKMEM_POOL_TLS_ARENA_MB_MAX", Math.max(d.chunkMaxBytes, chunkInit)));
        int growth = source.integer("hakmem.chunk.growthLevels", "HAKMEM_CHUNK_GROWTH_LEVELS",
                source.integer(null, "HAKMEM_POOL_TLS_ARENA_GROWTH_LEVELS", d.growthLevels));
        return new HakmemConfig(
                source.size("hakmem.limit", "HAKMEM_LIMIT", d.limitBytes),
                chunkInit, chunkMax, growth,
                source.integer("hakmem.chunk.retain", "HAKMEM_CHUNK_RETAIN", d.retainedChunks),
                source.integer("hakmem.chunk.decayMillis", "HAKMEM_CHUNK_DECAY_MILLIS", (int) d.chunkDecayMillis),
                source.choice("hakmem.os", "HAKMEM_OS", OsRoute.class, d.osRoute),
                source.integer("hakmem.stripes", "HAKMEM_STRIPES", d.stripes),
                source.integer("hakmem.prewarm", "HAKMEM_PREWARM", d.prewarmBytes),
                source.integer("hakmem.hugeCache.entries", "HAKMEM_HUGE_CACHE_ENTRIES", d.hugeCacheEntries),
                source.size("hakmem.hugeCache.max", "HAKMEM_HUGE_CACHE_MAX", d.hugeCacheBytes),
                source.bool("hakmem.stats", "HAKMEM_STATS", d.statistics),
                source.bool("hakmem.checks", "HAKMEM_CHECKS", d.checks),
                source.bool("hakmem.debug", "HAKMEM_DEBUG", d.debug));
    }

    public HakmemConfig withLimit(long bytes) {
        return new HakmemConfig(bytes, chunkInitBytes, chunkMaxBytes, growthLevels, retainedChunks, chunkDecayMillis, osRoute, stripes,
                prewarmBytes, hugeCacheEntries, hugeCacheBytes, statistics, checks, debug);
    }

    public HakmemConfig withOsRoute(OsRoute route) {
        return new HakmemConfig(limitBytes, chunkInitBytes, chunkMaxBytes, growthLevels, retainedChunks, chunkDecayMillis, route, stripes,
                prewarmBytes, hugeCacheEntries, hugeCacheBytes, statistics, checks, debug);
    }

    public HakmemConfig withStripes(int count) {
        return new HakmemConfig(limitBytes, chunkInitBytes, chunkMaxBytes, growthLevels, retainedChunks, chunkDecayMillis, osRoute, count,
                prewarmBytes, hugeCacheEntries, hugeCacheBytes, statistics, checks, debug);
    }

    public HakmemConfig withPrewarm(int bytes) {
        return new HakmemConfig(limitBytes, chunkInitBytes, chunkMaxBytes, growthLevels, retainedChunks, chunkDecayMillis, osRoute, stripes,
                bytes, hugeCacheEntries, hugeCacheBytes, statistics, checks, debug);
    }

    public HakmemConfig withRetainedChunks(int count) {
        return new HakmemConfig(limitBytes, chunkInitBytes, chunkMaxBytes, growthLevels, count, chunkDecayMillis, osRoute, stripes,
                prewarmBytes, hugeCacheEntries, hugeCacheBytes, statistics, checks, debug);
    }

    /** This configuration with debug mode on or off (see {@link HakmemAllocator#debugFindings()}). */
    public HakmemConfig withDebug(boolean on) {
        return new HakmemConfig(limitBytes, chunkInitBytes, chunkMaxBytes, growthLevels, retainedChunks, chunkDecayMillis, osRoute, stripes,
                prewarmBytes, hugeCacheEntries, hugeCacheBytes, statistics, checks, on);
    }

    /**
     * Parses a size: digits with an optional k, m, g or t suffix (powers of 1024), case-insensitive.
     *
     * @throws IllegalArgumentException naming {@code key} if it is not one
     */
    public static long parseSize(String key, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int shift = 0;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'k' -> shift = 10;
                case 'm' -> shift = 20;
                case 'g' -> shift = 30;
                case 't' -> shift = 40;
                default -> shift = -1;
            }
            if (shift >= 0) {
                t = t.substring(0, t.length() - 1);
            } else {
                shift = 0;
            }
        }
        try {
            long value = Long.parseLong(t);
            if (value < 0 || (shift > 0 && value > (Long.MAX_VALUE >> shift))) {
                throw new NumberFormatException();
            }
            return value << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hakmem: invalid value '" + text + "' for " + key
                    + ": expected a size in bytes, optionally with a k, m, g or t suffix (e.g. 512m)");
        }
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
            return r == null ? fallback : parseSize(r[1], r[0]);
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
            if (r == null) {
                return fallback;
            }
            try {
                return Integer.parseInt(r[0].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("hakmem: invalid value '" + r[0] + "' for " + r[1]
                        + ": expected a whole number");
            }
        }

        boolean bool(String property, String variable, boolean fallback) {
            String[] r = raw(property, variable);
            if (r == null) {
                return fallback;
            }
            return switch (r[0].trim().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException("hakmem: invalid value '" + r[0] + "' for " + r[1]
                        + ": expected true or false");
            };
        }

        <E extends Enum<E>> E choice(String property, String variable, Class<E> type, E fallback) {
            String[] r = raw(property, variable);
            if (r == null) {
                return fallback;
            }
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(r[0].trim())) {
                    return e;
                }
            }
            StringBuilder allowed = new StringBuilder();
            for (E e : type.getEnumConstants()) {
                allowed.append(allowed.isEmpty() ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
            }
            throw new IllegalArgumentException("hakmem: invalid value '" + r[0] + "' for " + r[1]
                    + ": expected one of " + allowed);
        }
    }
}
