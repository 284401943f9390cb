package dev.hakmem.refill;

/**
 * What the refill engine is told at start. Validation of user input happens in the facade's
 * configuration; these checks only guard against programming errors.
 *
 * @param chunkInitBytes     size of the first chunk mapped from the OS
 * @param chunkMaxBytes      chunks grow geometrically up to this size
 * @param growthLevels       doublings from the first chunk size before growth stops
 * @param retainedEmptyChunks empty chunks kept mapped instead of given back, to absorb churn
 * @param chunkDecayMillis   further empty chunks are given back once they have been empty this long, so that
 *                           a workload that frees and reallocates in cycles (buffers released by the GC) does
 *                           not map, fault in and unmap the same memory every cycle; 0 gives them back at once
 * @param limitBytes         ceiling on bytes handed out (blocks in caches or in use, and huge mappings)
 * @param route              how chunks are obtained from the OS
 * @param hugeCacheEntries   recently freed huge mappings kept for reuse
 * @param hugeCacheBytes     and their total size at most
 * @param freshFill          {@link #AS_MAPPED}, or a byte (0..255) written over every span when it is carved
 *                           and over the first {@link RefillEngine#FRESH_FILL_HUGE_BYTES} of a huge block
 *                           when its mapping is new or revived: the facade's debug mode fills with its
 *                           poison, so that every block not in use reads as poison, whatever it was before
 * @param dirtyDecayMillis   free pages inside chunks that stay mapped keep their memory this long at most (the chunk
 *                           decay in force, if shorter, bounds it: a page never stays resident longer than its empty
 *                           chunk would stay mapped); then the purger gives it back. Separate from the chunk decay
 *                           because a purged page costs a fault when reused, while an unmapped chunk costs two
 *                           system calls and the faults of all its pages: pages can go back much sooner than chunks
 */
public record RefillSettings(long chunkInitBytes, long chunkMaxBytes, int growthLevels, int retainedEmptyChunks,
                             long chunkDecayMillis,
                             long limitBytes, MemoryRoute route, int hugeCacheEntries, long hugeCacheBytes,
                             int freshFill, long dirtyDecayMillis) {
    /** {@link #freshFill}: memory as the OS gives it (zeros), nothing written. */
    public static final int AS_MAPPED = -1;

    /** Memory as the OS gives it; dirty pages decay with the chunks. */
    public RefillSettings(long chunkInitBytes, long chunkMaxBytes, int growthLevels, int retainedEmptyChunks,
                          long chunkDecayMillis, long limitBytes, MemoryRoute route, int hugeCacheEntries, long hugeCacheBytes) {
        this(chunkInitBytes, chunkMaxBytes, growthLevels, retainedEmptyChunks, chunkDecayMillis, limitBytes, route,
                hugeCacheEntries, hugeCacheBytes, AS_MAPPED);
    }

    /** Dirty pages decay with the chunks. */
    public RefillSettings(long chunkInitBytes, long chunkMaxBytes, int growthLevels, int retainedEmptyChunks,
                          long chunkDecayMillis, long limitBytes, MemoryRoute route, int hugeCacheEntries, long hugeCacheBytes,
                          int freshFill) {
        this(chunkInitBytes, chunkMaxBytes, growthLevels, retainedEmptyChunks, chunkDecayMillis, limitBytes, route,
                hugeCacheEntries, hugeCacheBytes, freshFill, chunkDecayMillis);
    }

    /** The same settings with free pages' memory kept {@code millis} at most ({@link #dirtyDecayMillis}). */
    public RefillSettings withDirtyDecayMillis(long millis) {
        return new RefillSettings(chunkInitBytes, chunkMaxBytes, growthLevels, retainedEmptyChunks, chunkDecayMillis, limitBytes,
                route, hugeCacheEntries, hugeCacheBytes, freshFill, millis);
    }

    public RefillSettings {
        if (chunkInitBytes < PageMap.PAGE_SIZE || chunkInitBytes % PageMap.PAGE_SIZE != 0 || chunkMaxBytes < chunkInitBytes) {
            throw new IllegalArgumentException("chunk sizes must be multiples of 64 KiB with init <= max: "
                    + chunkInitBytes + ", " + chunkMaxBytes);
        }
        if (growthLevels < 0 || retainedEmptyChunks < 0 || chunkDecayMillis < 0 || dirtyDecayMillis < 0 || limitBytes <= 0 || hugeCacheEntries < 0 || hugeCacheBytes < 0) {
            throw new IllegalArgumentException("negative refill setting");
        }
        if (freshFill < AS_MAPPED || freshFill > 0xFF) {
            throw new IllegalArgumentException("freshFill must be AS_MAPPED or a byte 0..255: " + freshFill);
        }
    }

    /** 1 MiB first chunk, doubling three times to 8 MiB (the C original's 1-2-4-8 MiB), no limit. */
    public static RefillSettings defaults() {
        return new RefillSettings(1L << 20, 8L << 20, 3, 1, 10_000, Long.MAX_VALUE, MemoryRoute.AUTO, 4, 64L << 20);
    }
}
