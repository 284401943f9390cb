package dev.hakmem.refill;

/**
 * Address to span in O(1), and the test that tells hakmem's blocks from foreign ones.
 *
 * <p>A two-level radix over 48-bit user addresses, in 64 KiB granules:
 * <pre>
 *  47            32 31           16 15            0
 * [ directory idx  ][  leaf idx     ][ offset in page ]
 * </pre>
 * The directory has 2^16 slots, each leaf 2^16 granules (4 GiB of address space, 512 KiB of
 * references). Leaves are created on first use and kept. Writes happen under the engine's lock; the
 * free path reads without synchronisation: the thread that frees a block received it through some
 * happens-before edge after the block's span was registered, and a racy read for an address that is
 * not ours can only find nothing.
 */
public final class PageMap {
    public static final int PAGE_SHIFT = 16;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    private static final int LEAF_BITS = 16;
    private static final int LEAF_MASK = (1 << LEAF_BITS) - 1;

    private final Span[][] directory = new Span[1 << 16][];

    /** @return the span that holds {@code address}, or null if hakmem has no span there */
    public Span spanOf(long address) {
        if ((address >>> 48) != 0) {
            return null;
        }
        Span[] leaf = directory[(int) (address >>> 32)];
        return leaf == null ? null : leaf[(int) (address >>> PAGE_SHIFT) & LEAF_MASK];
    }

    void register(Span span, long base, long pages) {
        set(base, pages, span);
    }

    void unregister(long base, long pages) {
        set(base, pages, null);
    }

    private void set(long base, long pages, Span span) {
        if ((base & (PAGE_SIZE - 1)) != 0 || ((base + (pages << PAGE_SHIFT) - 1) >>> 48) != 0) {
            throw new IllegalStateException("span at " + Long.toHexString(base) + " is outside the page map");
        }
        for (long p = 0; p < pages; p++) {
            long address = base + (p << PAGE_SHIFT);
            int dir = (int) (address >>> 32);
            Span[] leaf = directory[dir];
            if (leaf == null) {
                leaf = new Span[1 << LEAF_BITS];
                directory[dir] = leaf;
            }
            leaf[(int) (address >>> PAGE_SHIFT) & LEAF_MASK] = span;
        }
    }
}
