package dev.hakmem;

/**
 * Told about a sample of the allocations made with a site id ({@link HakmemAllocator#sampleAllocations}):
 * what a heap profiler needs to break a site down by calling stack, or to learn how long its blocks
 * live, without a cost on the allocations it is not told about.
 *
 * <p>Called on the allocating thread, after the block is the caller's, outside any cache hit. It may
 * walk the stack, allocate on the Java heap and take locks; it must not allocate or free with the
 * allocator that calls it. What it throws is ignored (the allocation succeeds as if not sampled).
 */
@FunctionalInterface
public interface AllocationSampler {
    /**
     * @param address the block just allocated
     * @param bytes   its usable size (the block size)
     * @param siteId  the site it was allocated with
     * @param first   true for the first allocation of a thread at a site, which is always sampled: its
     *                chance to be sampled is 1 (for the others it is {@code 1 - exp(-bytes / meanBytes)})
     * @return the site the block is to carry from now on: {@code siteId} to leave it, or another
     *         positive id (e.g. one that also names the calling stack), under which the allocation is
     *         then counted and its block reported by {@link HakmemAllocator#siteUsage()}
     */
    int sampled(long address, long bytes, int siteId, boolean first);
}
