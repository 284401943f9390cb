package dev.hakmem;

/**
 * An off-heap allocator that hands out raw addresses, like {@code malloc}, and keeps per-thread
 * caches so that allocate and free on a cache hit cost a few nanoseconds and produce no garbage.
 *
 * <p>Addresses are 16-byte aligned. Sizes up to 1 MiB are served from size classes (see
 * {@code SizeClasses}); larger ones get a mapping of their own. Memory is not zeroed unless asked for.
 *
 * <p>Most code uses the process-wide instance through {@link Hakmem}; {@link #create} makes a
 * private one (tests, isolation), which must be {@link #close closed}.
 */
public interface HakmemAllocator extends AutoCloseable {

    /** An allocator of its own; with {@link HakmemConfig#debug()} in debug mode (see {@link #debugFindings()}). */
    static HakmemAllocator create(HakmemConfig config) {
        return DefaultAllocator.create(config, null);
    }

    /**
     * @param size bytes; 0 returns 0 (no block), like {@code Unsafe.allocateMemory}
     * @return the address of at least {@code size} bytes
     * @throws IllegalArgumentException if {@code size} is negative
     * @throws OutOfMemoryError         if the limit or the OS stops the request; the message names both
     */
    long allocate(long size);

    /** As {@link #allocate(long)}, and remembers {@code siteId} as the block's call site. */
    long allocate(long size, int siteId);

    /** As {@link #allocate(long)}, with the first {@code size} bytes zeroed. */
    long allocateZeroed(long size);

    /** As {@link #allocate(long, int)}, with the first {@code size} bytes zeroed. */
    long allocateZeroed(long size, int siteId);

    /**
     * Frees a block. 0 is ignored.
     *
     * @throws InvalidFreeException if {@code address} is not the start of a block hakmem handed out
     *         and has not freed since (foreign, interior, or a double free); nothing changes
     */
    void free(long address);

    /**
     * As {@link #free(long)}, from call site {@code siteId}: debug mode names it in what it finds
     * about the block ({@link DebugFinding#freeSite()}); otherwise the same as {@code free(address)}.
     */
    default void free(long address, int siteId) {
        free(address);
    }

    /**
     * Frees a block if it is hakmem's, and never throws.
     *
     * @return false if hakmem does not own {@code address} (the caller should pass it to whoever
     *         does); true if it was freed, and also true if it lies in hakmem's memory but is not a
     *         live block (an interior pointer or a double free), which is counted in
     *         {@link HakmemStats#invalidFrees()} and logged once, and changes nothing
     */
    boolean tryFree(long address);

    /** {@link #release} freed the block. */
    int RELEASED = 0;
    /** {@link #release}: the address is not in hakmem's memory; nothing changed. */
    int FOREIGN = 1;
    /** {@link #release}: the address is in hakmem's memory but not a live block (double free, interior pointer); nothing changed. */
    int NOT_A_LIVE_BLOCK = 2;

    /**
     * Frees a block if it is hakmem's, without throwing or logging: for callers that pass foreign
     * addresses on and report invalid frees their own way (the agent does both). 0 is {@link #RELEASED}.
     *
     * @return {@link #RELEASED}, {@link #FOREIGN} or {@link #NOT_A_LIVE_BLOCK}
     */
    int release(long address);

    /** As {@link #release(long)}, from call site {@code siteId} (see {@link #free(long, int)}). */
    default int release(long address, int siteId) {
        return release(address);
    }

    /**
     * What debug mode ({@code hakmem.debug=true}) has found so far: writes into freed blocks
     * (found when such a block is handed out again) and writes past a block's end (found at its
     * free), one record per kind and allocating site, in the order first found, each with the
     * number of blocks found since. Each record is also logged once through SLF4J at WARN.
     *
     * @return an immutable snapshot; empty when debug mode is off
     */
    default java.util.List<DebugFinding> debugFindings() {
        return java.util.List.of();
    }

    /**
     * {@code Unsafe.reallocateMemory}'s contract: 0 address allocates, 0 size frees and returns 0,
     * growth keeps the old contents; may return the same address.
     *
     * @throws IllegalArgumentException if {@code newSize} is negative, or {@link InvalidFreeException}
     *         if {@code address} is not a live block of hakmem's
     */
    long reallocate(long address, long newSize);

    /** @return bytes usable at a live block, at least what was asked for */
    long usableSize(long address);

    /**
     * @return true if {@code address} lies in memory hakmem manages: a block, inside one, or pages of
     *         hakmem's that hold no block now (until they go back to the OS)
     */
    boolean owns(long address);

    /**
     * @return the site id given at the block's last allocation, or 0; for a block already freed,
     *         the site that held it last (what a double-free report names)
     */
    int siteOf(long address);

    /**
     * Allocations and frees per site id, for every site that allocated with {@link #allocate(long, int)}.
     * Allocations are counted per thread without synchronisation and summed here; what a site holds
     * is counted here from the blocks (a read of every block's site entry, about 2 ms per million blocks
     * on a 2-core VM), and frees are the difference. Exact when the allocator is quiet, a moment old
     * otherwise. Sizes are usable sizes (block sizes).
     */
    java.util.List<SiteUsage> siteUsage();

    /**
     * Samples allocations made with a site id: about one in every {@code meanBytes} bytes each
     * thread allocates at each site (exponentially distributed intervals, so a block of {@code s}
     * bytes is sampled with probability {@code 1 - exp(-s / meanBytes)}), plus the first allocation
     * of every thread at every site; every allocation if {@code meanBytes} is 0. An allocation not
     * sampled pays one countdown store on its site's counter. A thread's sites that were counted
     * before this call look again within 64 MiB of allocations.
     *
     * @param sampler null to stop sampling
     * @throws IllegalArgumentException if {@code meanBytes} is negative
     */
    void sampleAllocations(long meanBytes, AllocationSampler sampler);

    /**
     * @return the site id of the live block at {@code address}, or 0 if no live block with a site
     *         starts there (never allocated with one, freed, or not hakmem's); racy while other
     *         threads allocate and free, and cheap: for checking samples, not for deciding a free
     */
    int liveSiteOf(long address);

    HakmemStats stats();

    /** Gives cached huge mappings and empty chunks back to the OS now. */
    void trim();

    /** Flushes the calling platform thread's cache and retires it (for threads about to idle). */
    void releaseThreadCache();

    /** Unmaps all memory of a private instance; every address it handed out becomes invalid. */
    @Override
    void close();
}
