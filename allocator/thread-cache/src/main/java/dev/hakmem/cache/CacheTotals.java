package dev.hakmem.cache;

/**
 * Counters summed over all thread caches.
 *
 * @param allocations    blocks handed to users
 * @param frees          blocks taken back
 * @param bytesAllocated their usable sizes, summed
 * @param bytesFreed     likewise for frees
 * @param remoteFrees    frees of blocks another cache owns (handed to that owner, or huge)
 * @param cachedBytes    bytes of free blocks held by caches now
 * @param liveCaches     platform-thread caches registered now
 * @param retiredCaches  caches retired because their thread died or released them
 * @param stripes        caches shared by virtual threads
 */
public record CacheTotals(long allocations, long frees, long bytesAllocated, long bytesFreed, long remoteFrees,
                          long cachedBytes, int liveCaches,
                          long retiredCaches, int stripes) {
}
