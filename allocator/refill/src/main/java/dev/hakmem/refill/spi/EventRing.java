package dev.hakmem.refill.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A fixed, lossy, multi-producer single-consumer ring of events (contracts A and C). Producers are
 * the threads crossing a box boundary (refill, flush, drain); the consumer is the learner.
 *
 * <p>Each event is one {@code long}, allocated nowhere:
 * <pre>
 *  63      62..56     55..48        47..0
 * [1 = full][kind   ][size class ][value, clamped to 48 bits]
 * </pre>
 * A slot holding 0 is empty. A producer claims an index with a CAS on {@code producerIndex}, then
 * publishes its slot with a release store; the consumer reads the slot with acquire, clears it, then
 * advances {@code consumerIndex} with a release store. A producer that finds the ring full drops the
 * event and counts it: the ring never blocks and never grows. The last quarter of the ring is kept
 * for the rare kinds: a {@linkplain EventKind#bulk bulk} event (refill, flush, drain) finds the ring
 * full at three quarters, so a storm of them cannot drop a chunk's.
 *
 * <p>Memory-access suffixes follow JCTools: {@code lv} load volatile, {@code la} load acquire,
 * {@code so} store ordered (release), {@code cas} compare-and-set.
 */
public final class EventRing {
    private static final VarHandle PRODUCER_INDEX;
    private static final VarHandle CONSUMER_INDEX;
    private static final VarHandle DROPPED;
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PRODUCER_INDEX = lookup.findVarHandle(EventRing.class, "producerIndex", long.class);
            CONSUMER_INDEX = lookup.findVarHandle(EventRing.class, "consumerIndex", long.class);
            DROPPED = lookup.findVarHandle(EventRing.class, "dropped", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final long FULL_BIT = 1L << 63;
    private static final long VALUE_MASK = (1L << 48) - 1;

    private final long[] slots;
    private final int mask;
    /** Where bulk events find the ring full: three quarters of it. */
    private final int bulkLimit;
    @SuppressWarnings("unused") // accessed through PRODUCER_INDEX
    private volatile long producerIndex;
    @SuppressWarnings("unused") // accessed through CONSUMER_INDEX
    private volatile long consumerIndex;
    @SuppressWarnings("unused") // accessed through DROPPED
    private volatile long dropped;
    private volatile boolean consumed;

    /** @param capacity a power of two between 2 and 2^24 */
    public EventRing(int capacity) {
        if (capacity < 2 || capacity > (1 << 24) || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("event ring capacity must be a power of two in 2..16777216, was " + capacity);
        }
        this.slots = new long[capacity];
        this.mask = capacity - 1;
        this.bulkLimit = capacity - capacity / 4;
    }

    /**
     * Declares that a consumer drains this ring. Until then producers may skip {@link #offer}
     * altogether: events nobody will read are not worth a CAS on the allocation path.
     */
    public void attachConsumer() {
        consumed = true;
    }

    public boolean isConsumed() {
        return consumed;
    }

    public int capacity() {
        return slots.length;
    }

    /**
     * Publishes an event, or drops it if the ring is full.
     *
     * @param sizeClass 0..255; -1 (no class) is stored as 255
     * @param value     clamped to 0..2^48-1
     * @return false if the event was dropped
     */
    public boolean offer(EventKind kind, int sizeClass, long value) {
        long encoded = FULL_BIT | ((long) kind.ordinal() << 56) | ((long) (sizeClass & 0xFF) << 48)
                | Math.clamp(value, 0, VALUE_MASK);
        int limit = kind.bulk ? bulkLimit : slots.length;
        long index;
        do {
            index = lvProducerIndex();
            if (index - laConsumerIndex() >= limit) {
                DROPPED.getAndAdd(this, 1L);
                return false;
            }
        } while (!casProducerIndex(index, index + 1));
        SLOTS.setRelease(slots, (int) (index & mask), encoded);
        return true;
    }

    /**
     * Drains up to {@code limit} events in publication order. Only one thread may drain at a time.
     *
     * @return the number of events handed to the consumer
     */
    public int drain(EventConsumer consumer, int limit) {
        long index = (long) CONSUMER_INDEX.getOpaque(this);
        int drained = 0;
        while (drained < limit) {
            int slot = (int) (index & mask);
            long encoded = (long) SLOTS.getAcquire(slots, slot);
            if (encoded == 0) {
                break; // empty, or claimed by a producer that has not stored yet: it shows next time
            }
            SLOTS.setOpaque(slots, slot, 0L);
            index++;
            CONSUMER_INDEX.setRelease(this, index);
            drained++;
            int sizeClass = (int) (encoded >>> 48) & 0xFF;
            consumer.onEvent(EventKind.ofOrdinal((int) (encoded >>> 56) & 0x7F),
                    sizeClass == 0xFF ? -1 : sizeClass, encoded & VALUE_MASK);
        }
        return drained;
    }

    /** Events dropped because the ring was full. */
    public long dropped() {
        return (long) DROPPED.getVolatile(this);
    }

    /** Events offered and not dropped, including those already drained. */
    public long published() {
        return lvProducerIndex();
    }

    private long lvProducerIndex() {
        return (long) PRODUCER_INDEX.getVolatile(this);
    }

    private long laConsumerIndex() {
        return (long) CONSUMER_INDEX.getAcquire(this);
    }

    private boolean casProducerIndex(long expected, long next) {
        return PRODUCER_INDEX.compareAndSet(this, expected, next);
    }
}
