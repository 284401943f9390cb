package dev.hakmem.cache;

import dev.hakmem.refill.Span;

/**
 * The layout of a thread cache's free stack of one size class; this box owns it. The refill engine
 * sees a stack only through {@link dev.hakmem.refill.OwnerCache}: it fills slots from
 * {@link #FIRST} on, and a cached block's state byte names the slot it sits in. One {@code long[]}:
 * <pre>
 * [ count | frees | a0 a1 ... a(count-1) | unused ... ]      capacity = length - FIRST
 *                   ^ slot FIRST         ^ slot FIRST + count - 1: the top
 * </pre>
 */
final class CacheStack {
    /** Slot of the number of cached blocks. */
    static final int COUNT = 0;
    /** Slot of the number of frees that pushed here (a statistic). */
    static final int FREES = 1;
    /** Slot of the bottom block: the first slot state the engine's spans know (a block's state byte is its slot). */
    static final int FIRST = Span.FIRST_SLOT_STATE;
    /** The most blocks a stack can hold: its top slot must still fit a state byte. */
    static final int MAX_CAPACITY = Span.LAST_SLOT_STATE - FIRST + 1;

    static {
        if (FIRST <= FREES) {
            throw new ExceptionInInitializerError("a stack's counters must come before its first block slot");
        }
    }

    private CacheStack() {
    }
}
