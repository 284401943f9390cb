package dev.hakmem.refill;

/**
 * The thread cache in front of a {@link LocalHeap}, as this box sees it (Box 1 implements it). The
 * cache owns its stacks and their layout; what this box relies on is one rule: slot {@code s} of
 * {@link #stack stack(c)} holds the block whose state byte is {@code s}, for
 * {@link Span#FIRST_SLOT_STATE} &lt;= s &lt;= {@link Span#LAST_SLOT_STATE}. A span reads that slot to
 * tell a cached block from one handed out ({@code Span.isCached}), and a refill writes blocks from
 * the slot the cache names on.
 */
public interface OwnerCache extends DrainSink {
    /**
     * The free stack of {@code sizeClass} now, which a span of that class keeps a reference to until
     * {@link LocalHeap#stackReplaced} says it changed; null if the cache keeps no stack for it. Called
     * on cold paths only (a span changing owner, a resize).
     */
    long[] stack(int sizeClass);

    /**
     * The stack of {@code sizeClass} for blocks of the long-lived sites of {@code lane}
     * (0..{@link LocalHeap#LONG_LIVED_LANES}-1): a span carved for them (see
     * {@link LocalHeap#refillLongLived}) keeps this one, so their frees return there and not among
     * short-lived blocks; null if the cache keeps none. Cold paths only, as {@link #stack}.
     */
    default long[] longLivedStack(int lane, int sizeClass) {
        return null;
    }
}
