package dev.hakmem.refill;

/** Takes blocks that other threads freed back to their owner: normally the owner's thread cache. */
@FunctionalInterface
public interface DrainSink {
    /**
     * @return the slot of the owner's stack where the block now is, which becomes its state (at least
     *         {@link Span#FIRST_SLOT_STATE}, see {@link OwnerCache}); -1 if there is no room, and the
     *         block then goes back to its span
     */
    int accept(int sizeClass, long address);
}
