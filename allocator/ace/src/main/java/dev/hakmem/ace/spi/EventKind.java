package dev.hakmem.ace.spi;

/** What happened at a box boundary. The ordinal is what travels through the {@link EventRing}. */
public enum EventKind {
    /** A thread cache took a batch from the refill engine; value = blocks. */
    REFILL,
    /** A thread cache gave a batch back because it overflowed; value = blocks. */
    FLUSH,
    /** An owner drained frees made by other threads; value = blocks. */
    REMOTE_DRAIN,
    /** A span was carved out of a chunk for a size class; value = span bytes. */
    SPAN_ACQUIRED,
    /** An empty span went back to its chunk; value = span bytes. */
    SPAN_RELEASED,
    /** A chunk was mapped from the OS; value = chunk bytes. */
    CHUNK_MAPPED,
    /** A chunk was returned to the OS; value = chunk bytes. */
    CHUNK_UNMAPPED;

    private static final EventKind[] VALUES = values();

    static EventKind ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }
}
