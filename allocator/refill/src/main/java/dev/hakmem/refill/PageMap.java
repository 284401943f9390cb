package dev.hakmem.refill;

/**
 * Address to span in O(1), and the test that tells hakmem's blocks from foreign ones.
 *
 * <p>A two-level radix over 48-bit user addresses, in 64 KiB granules:
 * <pre>
 *  47            32 31           16 15            0
 * [ directory idx  ][  leaf idx     ][ offset in page ]
 * </pre>
 * The directory has 2^16 slots, each leaf 2^16 granules (4 GiB of address space, 256 KiB of
 * compressed references). Leaves are created on first use and kept.
 *
 * <p>One radix serves every engine in the process: it is a {@code static final} array, so the JIT
 * embeds its address and a lookup is two dependent loads, not four. Each engine has its own
 * {@code PageMap} view, and a view finds only the spans it registered (a span names its view), so
 * an address of another allocator instance reads as foreign. Writes are serialised on the shared
 * radix; the free path reads without synchronisation: the thread that frees a block received it
 * through some happens-before edge after the block's span was registered, and a racy read for an
 * address that is not ours can only find nothing or another view's span.
 */
public final class PageMap {
    public static final int PAGE_SHIFT = 16;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    private static final int LEAF_BITS = 16;
    private static final int LEAF_MASK = (1 << LEAF_BITS) - 1;

    private static final int DIRECTORY_SLOTS = 1 << 16;
    private static final Span[][] DIRECTORY = new Span[DIRECTORY_SLOTS][];

    /** @return the span of this view that holds {@code address}, or null if it has no span there */
    public Span spanOf(long address) {
        Span span = anySpanOf(address);
        return span != null && span.pageMap == this ? span : null;
    }

    /**
     * The span of a block that a cache holds: it is registered, so neither the 48-bit test nor the
     * null tests of {@link #spanOf} are needed, and no hint either (a miss would be a branch the CPU
     * cannot predict when blocks of a class come from several spans).
     */
    public static Span spanOfCachedBlock(long address) {
        return DIRECTORY[(int) (address >>> 32) & (DIRECTORY_SLOTS - 1)][(int) (address >>> PAGE_SHIFT) & LEAF_MASK];
    }

    /** The span of any view that holds {@code address}, or null. */
    static Span anySpanOf(long address) {
        if ((address >>> 48) != 0) {
            return null;
        }
        Span[] leaf = DIRECTORY[(int) (address >>> 32) & (DIRECTORY_SLOTS - 1)]; // the mask spares C2's range check
        return leaf == null ? null : leaf[(int) (address >>> PAGE_SHIFT) & LEAF_MASK];
    }

    void register(Span span, long base, long pages) {
        if (span.pageMap != this) {
            throw new IllegalStateException(span + " belongs to another page map");
        }
        set(base, pages, span);
    }

    /** Clears the pages of {@code base} that still hold this view's spans. */
    void unregister(long base, long pages) {
        set(base, pages, null);
    }

    /**
     * With {@code span} null, clears only entries of this view: a closed engine's stale entries are
     * skipped by {@link #spanOf} and overwritten by whoever maps that memory next, never cleared by them.
     */
    private void set(long base, long pages, Span span) {
        if ((base & (PAGE_SIZE - 1)) != 0 || ((base + (pages << PAGE_SHIFT) - 1) >>> 48) != 0) {
            throw new IllegalStateException("span at " + Long.toHexString(base) + " is outside the page map");
        }
        synchronized (DIRECTORY) {
            for (long p = 0; p < pages; p++) {
                long address = base + (p << PAGE_SHIFT);
                int dir = (int) (address >>> 32);
                Span[] leaf = DIRECTORY[dir];
                if (leaf == null) {
                    leaf = new Span[1 << LEAF_BITS];
                    DIRECTORY[dir] = leaf;
                }
                int slot = (int) (address >>> PAGE_SHIFT) & LEAF_MASK;
                if (span != null || (leaf[slot] != null && leaf[slot].pageMap == this)) {
                    leaf[slot] = span;
                }
            }
        }
    }
}
