package dev.hakmem;

/**
 * What one call site has allocated and freed so far.
 *
 * @param siteId         the id given to {@link HakmemAllocator#allocate(long, int)}
 * @param allocations    blocks allocated
 * @param frees          of those, blocks freed (by any thread)
 * @param bytesAllocated usable bytes allocated
 * @param bytesFreed     usable bytes freed
 */
public record SiteUsage(int siteId, long allocations, long frees, long bytesAllocated, long bytesFreed) {

    public long liveBytes() {
        return bytesAllocated - bytesFreed;
    }

    public long liveBlocks() {
        return allocations - frees;
    }
}
