package dev.hakmem.cache;

/**
 * Told about sampled allocations that carry a site: about one in every {@link SiteSampling#meanBytes()}
 * bytes a thread allocates at a site, the first allocation of every thread at every site, and every
 * one with a mean of 0. Called on the allocating thread, on a cold path (never on a cache hit that
 * is not sampled), after the block is the caller's.
 */
@FunctionalInterface
public interface SiteSampler {
    /**
     * @param address the block just allocated
     * @param bytes   its usable size
     * @param siteId  the site the allocation was made with
     * @param first   true for the first allocation of a thread at a site, which is always sampled (its
     *                chance to be sampled is 1, not {@code 1 - exp(-bytes / mean)})
     * @return the site the block carries from now on: {@code siteId}, or another id (for instance one
     *         that also names the calling stack); its allocation is counted there instead
     */
    int sampled(long address, long bytes, int siteId, boolean first);
}
