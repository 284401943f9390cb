package dev.hakmem.refill.spi;

/** What happened at a box boundary. The ordinal is what travels through the {@link EventRing}. */
public enum EventKind {
    /** A thread cache took a batch from the refill engine; value = blocks. */
    REFILL(true),
    /** A thread cache gave a batch back because it overflowed; value = blocks. */
    FLUSH(true),
    /** An owner drained frees made by other threads; value = blocks. */
    REMOTE_DRAIN(true),
    /** A span was carved out of a chunk for a size class; value = span bytes. */
    SPAN_ACQUIRED(false),
    /** An empty span went back to its chunk; value = span bytes. */
    SPAN_RELEASED(false),
    /** A chunk was mapped from the OS; value = chunk bytes. */
    CHUNK_MAPPED(false),
    /** A chunk was returned to the OS; value = chunk bytes. */
    CHUNK_UNMAPPED(false),
    /**
     * A sampled block was found freed before the lifetime horizon, or freed when its owner next
     * looked; value = its site id. Bulk: a busy program samples many, and losing some only slows
     * the learning down.
     */
    LIFETIME_SHORT(true),
    /** A sampled block was found still live past the lifetime horizon; value = its site id. Bulk, as {@link #LIFETIME_SHORT}. */
    LIFETIME_LONG(true);

    /**
     * A kind a busy thread publishes at every batch: it may fill the ring only up to
     * {@link EventRing}'s headroom, so that a storm of them never crowds out the rare kinds (a chunk
     * mapped or given back) the learner cannot do without.
     */
    final boolean bulk;

    EventKind(boolean bulk) {
        this.bulk = bulk;
    }

    private static final EventKind[] VALUES = values();

    static EventKind ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }
}
