package dev.hakmem.refill.os;

/**
 * The one place where hakmem asks the OS for memory and gives it back. Everything above works on
 * {@link Mapping}s, aligned to {@link #ALIGNMENT}. Routes (measured in the module README):
 * <ul>
 *   <li>{@link #mmap()}: anonymous {@code mmap}/{@code munmap} through FFM downcalls: lazily
 *       committed, returned on unmap, fastest first touch. Restricted: only with native access,
 *       so it never prints the JEP 472 warning.</li>
 *   <li>{@link #unrestricted()}: shared mappings of unlinked tmpfs files (lazily committed, returned
 *       on unmap) while {@code /dev/shm} has room, else {@code Arena} memory (committed at once,
 *       not always returned). No restricted call.</li>
 * </ul>
 */
public interface OsMemory extends AutoCloseable {
    /** Mappings start on this boundary: the page-map granule. */
    long ALIGNMENT = 64 * 1024;

    /**
     * @param bytes a multiple of {@link #ALIGNMENT}
     * @return a mapping of exactly {@code bytes}, zero-filled
     * @throws OutOfMemoryError if the OS refuses
     */
    Mapping map(long bytes);

    void unmap(Mapping mapping);

    /**
     * Gives {@code mapping}'s memory back to the OS but keeps its addresses reserved and
     * inaccessible, so that nobody else (malloc included) can be handed them: a late free of an
     * address in it is still recognised as hakmem's. {@link #revive} makes it usable again.
     *
     * @return false if this route cannot keep addresses without memory; the caller then unmaps
     */
    default boolean retain(Mapping mapping) {
        return false;
    }

    /** Makes a {@link #retain retained} mapping usable again, zero-filled. */
    default void revive(Mapping mapping) {
        throw new UnsupportedOperationException(name() + " does not retain mappings");
    }

    /**
     * Gives the memory of {@code bytes} at {@code offset} in {@code mapping} back to the OS while the
     * range stays mapped and usable: the next touch faults in a zero-filled page. For free pages
     * inside a chunk that stays (jemalloc's dirty-page decay, TCMalloc's subrelease).
     *
     * @param offset a multiple of {@link #purgeGranule()}
     * @param bytes  a multiple of {@link #purgeGranule()}
     * @return false if this route cannot (see {@link #purges()}); nothing changed then
     */
    default boolean purge(Mapping mapping, long offset, long bytes) {
        return false;
    }

    /**
     * The smallest range {@link #purge} takes: the OS page size on a route that purges (4 KiB on
     * x86-64 Linux; a power of two dividing {@link #ALIGNMENT}), else {@link #ALIGNMENT}.
     */
    default long purgeGranule() {
        return ALIGNMENT;
    }

    /**
     * Whether {@link #purge} gives memory back on this route. Only {@code mmap}: a page of a shared
     * tmpfs mapping is the file's, and only {@code fallocate(PUNCH_HOLE)} (or {@code MADV_REMOVE})
     * frees it, neither of which the JDK offers without a restricted downcall; arena memory is
     * malloc's. On those routes memory goes back only as whole chunks.
     */
    default boolean purges() {
        return false;
    }

    /** Name for statistics and messages. */
    String name();

    @Override
    void close();

    static OsMemory mmap() {
        return new NativeMmapMemory();
    }

    /** tmpfs files while there is room, then arena memory. */
    static OsMemory unrestricted() {
        return new UnrestrictedMemory(SharedMemoryFiles.open(), false);
    }

    /** tmpfs files only; fails when {@code /dev/shm} is missing or full. */
    static OsMemory sharedMemoryOnly() {
        SharedMemoryFiles shm = SharedMemoryFiles.open();
        if (shm == null) {
            throw new IllegalStateException("hakmem: /dev/shm is not a writable tmpfs");
        }
        return new UnrestrictedMemory(shm, true);
    }

    /** Arena memory only. */
    static OsMemory arena() {
        return new UnrestrictedMemory(null, false);
    }

    /**
     * {@code os}, except that a {@link #map} or {@link #revive} for which {@code refuse} answers
     * true (given the bytes wanted) fails as a refused mapping does: the seam for tests of the OS
     * boundary's failures.
     */
    static OsMemory refusing(OsMemory os, java.util.function.LongPredicate refuse) {
        return new RefusingMemory(os, refuse);
    }
}
