package dev.hakmem.benchmarks;

/**
 * A fixed array of live allocations, the state of the ring workloads. Each implementation keeps
 * whatever handle its allocator needs (an address, an {@code Arena}, a {@code ByteBuf}), so the
 * measured step, {@link #replace(int, long)}, allocates nothing on the Java heap for the raw
 * allocators.
 */
public abstract class Slots {
    private final int capacity;

    protected Slots(int capacity) {
        this.capacity = capacity;
    }

    public final int capacity() {
        return capacity;
    }

    /** Frees slot {@code slot} if it is occupied, then fills it with a new allocation of {@code size} bytes. */
    public abstract void replace(int slot, long size);

    /**
     * Writes one byte in every {@code stride} bytes of the first {@code bytes} bytes of slot {@code slot}'s
     * block (which must be occupied and at least that large), so those pages become resident. Not a
     * measured step: the RSS driver uses it to make a burst count in full.
     */
    public abstract void touch(int slot, long bytes, int stride);

    /** Frees slot {@code slot} if it is occupied and leaves it empty. */
    public abstract void free(int slot);

    /** Frees every occupied slot. */
    public final void freeAll() {
        for (int i = 0; i < capacity; i++) {
            free(i);
        }
    }

    /** Who will free what this table allocates. */
    public enum Sharing {
        /** Every slot is freed by the thread that allocated it. */
        CONFINED,
        /** Slots may be freed by another thread than the one that allocated them. */
        SHARED
    }
}
