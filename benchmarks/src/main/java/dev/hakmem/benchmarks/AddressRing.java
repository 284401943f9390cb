package dev.hakmem.benchmarks;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded single-producer, single-consumer ring of block addresses for {@link ProducerConsumer}: a
 * {@code long[]} where 0 marks an empty slot, so producer and consumer share no index (each keeps its
 * own position, FastFlow's layout) and an exchange is one release store and one acquire load of the slot.
 * Written here rather than taken from JCTools or Agrona: neither is a dependency of this module, and their
 * queues hold objects, so every address would be boxed, an allocation on the Java heap per hand-off that
 * the measured path must not have.
 *
 * <p>Slots are spread one per 64-byte line ({@link #SPREAD}), so the producer writing slot {@code i + 1}
 * does not take the line the consumer is reading slot {@code i} from.
 */
final class AddressRing {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int SPREAD = 8; // longs per cache line

    private final long[] slots;
    private final int mask;

    /** @param capacity a power of two: addresses in flight at most */
    AddressRing(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, was " + capacity);
        }
        this.slots = new long[capacity * SPREAD];
        this.mask = capacity - 1;
    }

    /** Producer only. @return false if the slot at {@code position} is still full */
    boolean offer(int position, long address) {
        int slot = (position & mask) * SPREAD;
        if ((long) SLOTS.getAcquire(slots, slot) != 0) {
            return false;
        }
        SLOTS.setRelease(slots, slot, address);
        return true;
    }

    /** Consumer only. @return the address at {@code position}, now removed, or 0 if none is there yet */
    long poll(int position) {
        int slot = (position & mask) * SPREAD;
        long address = (long) SLOTS.getAcquire(slots, slot);
        if (address != 0) {
            SLOTS.setRelease(slots, slot, 0L);
        }
        return address;
    }

    /** With both sides stopped: every address still in the ring, each once, the ring left empty. */
    void drain(java.util.function.LongConsumer sink) {
        for (int slot = 0; slot < slots.length; slot += SPREAD) {
            long address = slots[slot];
            if (address != 0) {
                slots[slot] = 0;
                sink.accept(address);
            }
        }
    }
}
