package dev.hakmem.refill.os;

/**
 * The one place where hakmem asks the OS for memory and gives it back. Everything above works on
 * {@link Mapping}s. Two routes, both lazily committed and both returning memory on unmap:
 * <ul>
 *   <li>{@link NativeMmapMemory}: {@code mmap}/{@code munmap} through FFM downcalls. Restricted: used
 *       only when native access is enabled for hakmem's module, so that it never prints the JEP 472 warning.</li>
 *   <li>{@link FileMappedMemory}: private mappings of one sparse, unlinked file through
 *       {@code FileChannel.map}, which needs no restricted call. First touch of a page costs more
 *       (a copy-on-write fault instead of an anonymous one).</li>
 * </ul>
 * {@code Arena.allocate} was measured and rejected: it zeroes (commits) the whole range up front and
 * glibc keeps freed multi-MiB blocks in its heap, so RSS never falls after a burst.
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

    /** Name for statistics and messages. */
    String name();

    @Override
    void close();

    static OsMemory mmap() {
        return new NativeMmapMemory();
    }

    static OsMemory file() {
        return FileMappedMemory.open();
    }
}
