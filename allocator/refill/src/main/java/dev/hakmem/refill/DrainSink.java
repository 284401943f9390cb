package dev.hakmem.refill;

/** Takes blocks that other threads freed back to their owner: normally the owner's thread cache. */
@FunctionalInterface
public interface DrainSink {
    /** @return false if there is no room: the block then goes back to its span */
    boolean accept(int sizeClass, long address);
}
