package dev.hakmem.cache;

/**
 * Switches of the hot path, as constants the JIT folds: a switch that is off costs nothing, not
 * even a branch. They are read here, once, because a JIT constant must be known when this class
 * initialises; the facade's configuration validates the same keys.
 *
 * <ul>
 *   <li>{@code hakmem.stats} / {@code HAKMEM_STATS} (default true): per-thread counters, one
 *       increment per free.</li>
 *   <li>{@code hakmem.checks} / {@code HAKMEM_CHECKS} (default true): a state byte per block, set
 *       on allocate and checked on free, which turns a double free or an interior pointer into an
 *       {@code InvalidFreeException} instead of heap corruption. Off, a free only checks that the
 *       address lies in hakmem's memory; this saved 0.6–1.8 ns per allocate+free in our runs (see README) and is meant for
 *       code whose frees are known to be right (like jemalloc without its debug checks).</li>
 * </ul>
 */
public final class HotPathFlags {
    public static final String STATS_PROPERTY = "hakmem.stats";
    public static final String CHECKS_PROPERTY = "hakmem.checks";
    public static final boolean STATISTICS = !"false".equalsIgnoreCase(read(STATS_PROPERTY, "HAKMEM_STATS"));
    public static final boolean CHECKS = !"false".equalsIgnoreCase(read(CHECKS_PROPERTY, "HAKMEM_CHECKS"));

    private HotPathFlags() {
    }

    private static String read(String property, String variable) {
        String value = System.getProperty(property);
        return value != null ? value.trim() : System.getenv(variable);
    }
}
