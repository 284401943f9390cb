package dev.hakmem.refill;

/**
 * A stand-in for Box 1's thread cache, with the layout this box's tests assume: the count in slot
 * {@link #COUNT}, blocks from {@link Span#FIRST_SLOT_STATE} on. Takes no drained blocks.
 */
final class TestCache implements OwnerCache {
    static final int COUNT = 0;
    static final int FIRST = Span.FIRST_SLOT_STATE;

    final long[][] stacks;

    TestCache(long[][] stacks) {
        this.stacks = stacks;
    }

    @Override
    public long[] stack(int sizeClass) {
        return sizeClass >= 0 && sizeClass < stacks.length ? stacks[sizeClass] : null;
    }

    @Override
    public int accept(int sizeClass, long address) {
        return -1;
    }
}
