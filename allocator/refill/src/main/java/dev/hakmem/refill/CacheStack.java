package dev.hakmem.refill;

import dev.hakmem.ace.spi.Policy;

/**
 * The layout of a thread cache's free stack of one size class. Box 1 owns the stacks; Box 2 reads
 * and fills them: a span points at its owner's stack ({@link Span#ownerStack}), a refill writes
 * blocks into it, and each cached block's state byte names the slot it sits in. One {@code long[]}:
 * <pre>
 * [ count | frees | a0 a1 ... a(count-1) | unused ... ]      capacity = length - FIRST
 *                   ^ slot FIRST         ^ slot FIRST + count - 1: the top
 * </pre>
 */
public final class CacheStack {
    /** Slot of the number of cached blocks. */
    public static final int COUNT = 0;
    /** Slot of the number of frees that pushed here (a statistic). */
    public static final int FREES = 1;
    /** Slot of the bottom block. */
    public static final int FIRST = 2;

    static {
        if (FIRST + Policy.MAX_CAPACITY - 1 > 0xFF) {
            throw new ExceptionInInitializerError("a cache slot must fit a block's state byte");
        }
    }

    private CacheStack() {
    }
}
