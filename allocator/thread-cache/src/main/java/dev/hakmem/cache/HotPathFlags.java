package dev.hakmem.cache;

/**
 * Switches of the hot path, as constants the JIT folds: a switch that is off costs nothing, not
 * even a branch. A JIT constant must be known when this class initialises, so the values are per
 * JVM: the facade reads them from its configuration ({@code hakmem.stats}, {@code hakmem.checks})
 * and {@linkplain HotPathSwitches#offer offers} them before it makes the first cache; without an
 * offer (this box's own tests) both are on.
 *
 * <ul>
 *   <li>{@link #STATISTICS} (default true): per-thread counters, one increment per free.</li>
 *   <li>{@link #CHECKS} (default true): a state byte per block, set on allocate and checked on free,
 *       which turns a double free or an interior pointer into an {@code InvalidFreeException}
 *       instead of heap corruption. Off, a free only checks that the address lies in hakmem's
 *       memory; this saved 0.6–1.8 ns per allocate+free in our runs (see README) and is meant for
 *       code whose frees are known to be right (like jemalloc without its debug checks).</li>
 * </ul>
 */
public final class HotPathFlags {
    public static final boolean STATISTICS;
    public static final boolean CHECKS;

    static {
        boolean[] fixed = HotPathSwitches.fix();
        STATISTICS = fixed[0];
        CHECKS = fixed[1];
    }

    private HotPathFlags() {
    }
}
