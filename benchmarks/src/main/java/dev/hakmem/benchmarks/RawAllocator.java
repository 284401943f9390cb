package dev.hakmem.benchmarks;

/**
 * The smallest allocator shape the benchmarks compare: a size in, an address out, the address back.
 * hakmem and {@code Unsafe} (over whichever native malloc is preloaded) both fit it.
 */
public interface RawAllocator {
    /** Returns the address of at least {@code size} bytes. */
    long allocate(long size);

    /** Gives back an address that {@link #allocate(long)} returned. */
    void free(long address);
}
