package dev.hakmem.refill;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An owner's inbox of blocks that other threads freed: a fixed ring of addresses on the Java heap,
 * many producers (each handing over a whole batch), one consumer (the owner, at its refill boundary).
 * Neither side touches the blocks' memory (nor does the stack of batches in {@link LocalHeap}), so a
 * cross-thread free costs a share of one cache line of this ring instead of a line of the block.
 *
 * <pre>
 * slots:  [ a | a | a | 0 | 0 | ... ]        0 = empty (no block lives at address 0)
 *           ^head (consumer)    ^tail (producers claim [tail, tail+n) with one CAS, then store)
 * tail bit 62 = closed: the owner has retired; producers must go elsewhere.
 * </pre>
 * A producer claims a run of slots with a CAS on {@code tail} if the run fits behind {@code head},
 * then publishes each slot with a release store. The consumer reads slots from {@code head} with
 * acquire loads until it meets an empty one (not yet stored: it comes next time), clears them, and
 * publishes the new {@code head} with a release store. Memory-access suffixes as in JCTools:
 * {@code lv} load volatile, {@code la} load acquire, {@code so} store ordered (release).
 */
final class RemoteInbox {
    private static final long CLOSED = 1L << 62;
    private static final VarHandle TAIL;
    private static final VarHandle HEAD;
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(RemoteInbox.class, "tail", long.class);
            HEAD = lookup.findVarHandle(RemoteInbox.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] slots;
    private final int mask;
    @SuppressWarnings("unused") // through TAIL
    private volatile long tail;
    @SuppressWarnings("unused") // through HEAD
    private volatile long head;

    /** @param capacity a power of two, at least the largest batch */
    RemoteInbox(int capacity) {
        this.slots = new long[capacity];
        this.mask = capacity - 1;
    }

    /**
     * Hands over {@code batch[0..count)}. Any thread.
     *
     * @return false if the inbox is full or closed: nothing was taken
     */
    boolean offer(long[] batch, int count) {
        long claimed;
        do {
            claimed = lvTail();
            if ((claimed & CLOSED) != 0 || claimed + count - laHead() > slots.length) {
                return false;
            }
        } while (!TAIL.compareAndSet(this, claimed, claimed + count));
        for (int i = 0; i < count; i++) {
            SLOTS.setRelease(slots, (int) ((claimed + i) & mask), batch[i]);
        }
        return true;
    }

    /** Owner only: hands every published block to {@code sink}, in order. */
    void drain(DrainTarget sink) {
        long h = (long) HEAD.getOpaque(this);
        long[] s = slots;
        while (true) {
            int slot = (int) (h & mask);
            long address = (long) SLOTS.getAcquire(s, slot);
            if (address == 0) {
                break;
            }
            SLOTS.setOpaque(s, slot, 0L);
            h++;
            sink.take(address);
        }
        HEAD.setRelease(this, h);
    }

    /**
     * Owner (or its retirer) only: refuses further offers, waits for the offers already claimed to
     * be stored (a producer stores right after its CAS, without blocking), and drains everything.
     */
    void closeAndDrain(DrainTarget sink) {
        long t;
        do {
            t = lvTail();
        } while (!TAIL.compareAndSet(this, t, t | CLOSED));
        long h = (long) HEAD.getOpaque(this);
        while (h < t) {
            int slot = (int) (h & mask);
            long address;
            while ((address = (long) SLOTS.getAcquire(slots, slot)) == 0) {
                Thread.onSpinWait();
            }
            SLOTS.setOpaque(slots, slot, 0L);
            h++;
            sink.take(address);
        }
        HEAD.setRelease(this, h);
    }

    /** Racy: whether something may be waiting. */
    boolean maybeNonEmpty() {
        return ((long) TAIL.getOpaque(this) & ~CLOSED) != (long) HEAD.getOpaque(this);
    }

    private long lvTail() {
        return (long) TAIL.getVolatile(this);
    }

    private long laHead() {
        return (long) HEAD.getAcquire(this);
    }

    /** What a drain does with each address. */
    @FunctionalInterface
    interface DrainTarget {
        void take(long address);
    }
}
