package dev.hakmem.refill;

/**
 * The size-class table. Every request of 1 B .. 1 MiB is served by the smallest class that holds it;
 * above that a request is <em>huge</em> and gets a mapping of its own.
 *
 * <pre>
 * class    size                           spacing                    tier
 * 0..7     16, 32, .., 128                16 B                       tiny
 * 8..31    160, 192, .., 1024 .. 2^k      4 classes per doubling     tiny (to 1 KiB), mid (to 56 KiB)
 * 32..59   .., 56 KiB | 64 KiB .. 1 MiB   4 classes per doubling     mid, large
 * </pre>
 * Four classes per doubling bound internal waste at 20% (worst case just above a class) and keep
 * the mean near 10% for uniformly spread sizes; {@code SizeClassWasteTest} measures both. Every class
 * size is a multiple of 16, so blocks keep malloc's 16-byte alignment.
 */
public final class SizeClasses {
    /** Number of small size classes; also the class number given to huge spans. */
    public static final int COUNT = 60;
    public static final int HUGE = COUNT;
    public static final int MAX_SMALL_SIZE = 1 << 20;
    public static final int TINY_MAX = 1024;
    /**
     * Half the largest cache a state byte allows (254, see {@code Policy.MAX_CAPACITY}), so a tiny
     * class's cache starts in the middle of its range after a refill or a flush. Against the C
     * original's 64 (caches of 128): random mixed 11.48 -> 10.75 ns with 1,024 slots and 10.04 -> 8.96
     * with 256, Larson 18.2 -> 16.9, mid sizes and the hot path unchanged (three rounds of
     * benchmarks/scripts/ab.sh). A thread then caches at most 1.55 MiB of tiny blocks, not 0.78.
     */
    static final int TINY_BATCH = 127;
    public static final int MID_MAX = 56 * 1024;

    private static final int[] SIZES = new int[COUNT];
    /** Class by {@code (size + 15) >>> 4}, for sizes up to {@link #TINY_MAX}; 128 entries so a mask drops the range check. */
    private static final byte[] TINY_CLASS = new byte[128];
    private static final int[] SPAN_PAGES = new int[COUNT];
    private static final int MAX_SPAN_PAGES = 32;

    static {
        for (int c = 0; c < COUNT; c++) {
            SIZES[c] = c < 8 ? 16 * (c + 1) : sizeOfGeometricClass(c);
        }
        for (int c = 0; c < COUNT; c++) {
            SPAN_PAGES[c] = chooseSpanPages(SIZES[c]);
        }
        for (int i = 0; i <= TINY_MAX / 16; i++) {
            TINY_CLASS[i] = (byte) classOfLarger(Math.max(16, i * 16));
        }
    }

    private SizeClasses() {
    }

    private static int sizeOfGeometricClass(int c) {
        int power = (c - 8) / 4 + 7;
        int step = (c - 8) % 4 + 1;
        return (1 << power) + step * (1 << (power - 2));
    }

    /**
     * Fewest 64 KiB pages that waste at most 1/16 of the span on the tail and, for mid sizes, hold
     * at least 8 blocks; large classes settle for one block. Capped at 2 MiB.
     */
    private static int chooseSpanPages(int size) {
        int minBlocks = size <= TINY_MAX ? 1 : size <= MID_MAX ? 8 : 1;
        int best = MAX_SPAN_PAGES;
        long bestWaste = Long.MAX_VALUE;
        for (int pages = 1; pages <= MAX_SPAN_PAGES; pages++) {
            long bytes = (long) pages << 16;
            if (bytes / size < minBlocks) {
                continue;
            }
            long waste = bytes % size;
            if (waste * 16 <= bytes) {
                return pages;
            }
            if (waste * MAX_SPAN_PAGES / pages < bestWaste) {
                bestWaste = waste * MAX_SPAN_PAGES / pages;
                best = pages;
            }
        }
        return best;
    }

    /**
     * @param size 1 .. {@link #MAX_SMALL_SIZE}; 0 maps to class 0
     * @return the smallest class whose size is at least {@code size}
     */
    public static int classOf(int size) {
        if (size <= TINY_MAX) {
            return tinyClassOf(size);
        }
        return classOfLarger(size);
    }

    /** @param size 0 .. {@link #TINY_MAX}: one load from a constant table, no range check */
    public static int tinyClassOf(int size) {
        return TINY_CLASS[((size + 15) >>> 4) & (TINY_CLASS.length - 1)];
    }

    private static int classOfLarger(int size) {
        if (size <= 128) {
            return (size - 1) >>> 4;
        }
        int lg = 31 - Integer.numberOfLeadingZeros(size - 1);
        return 8 + (lg - 7) * 4 + (((size - 1) >>> (lg - 2)) & 3);
    }

    public static int sizeOf(int sizeClass) {
        return SIZES[sizeClass];
    }

    /** Pages (64 KiB each) in a span of this class. */
    public static int spanPages(int sizeClass) {
        return SPAN_PAGES[sizeClass];
    }

    /**
     * Default blocks per refill: {@value #TINY_BATCH} for tiny classes, then batches of about
     * 256 KiB (at least 8 blocks) for mid sizes and 256 KiB (1 to 4 blocks) for large ones. A thread
     * cache holds twice a batch, so a random walk of frees and allocations rarely reaches Box 2.
     */
    public static int defaultBatch(int sizeClass) {
        int size = SIZES[sizeClass];
        return switch (tierOf(sizeClass)) {
            case TINY -> TINY_BATCH;
            case MID -> Math.clamp(262144 / size, 8, 64);
            default -> Math.clamp(262144 / size, 1, 4);
        };
    }

    public static Tier tierOf(int sizeClass) {
        int size = SIZES[sizeClass];
        return size <= TINY_MAX ? Tier.TINY : size <= MID_MAX ? Tier.MID : Tier.LARGE;
    }

    /** The tiers of the design brief; they set span sizes and default batch sizes. */
    public enum Tier { TINY, MID, LARGE, HUGE }
}
