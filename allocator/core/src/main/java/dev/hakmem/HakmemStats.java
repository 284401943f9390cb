package dev.hakmem;

/**
 * A snapshot of the allocator. Counters of running threads are read without stopping them, so
 * the figures are exact when the allocator is quiet and a moment old otherwise. With
 * {@code hakmem.stats=false} the per-thread counters (allocations .. liveBlocks) stay 0.
 *
 * @param allocations    blocks handed out
 * @param frees          blocks taken back
 * @param bytesAllocated usable bytes handed out (block sizes, not requested sizes)
 * @param bytesFreed     usable bytes taken back
 * @param liveBytes      bytesAllocated - bytesFreed
 * @param liveBlocks     allocations - frees
 * @param cachedBytes    bytes of free blocks held in thread caches
 * @param bytesReserved  bytes counted against the limit: live and cached blocks, plus up to 512 KiB of
 *                       unspent credit per thread cache (what keeps the limit off the hot path)
 * @param limitBytes     the limit ({@code Long.MAX_VALUE} if none)
 * @param mappedBytes    address space mapped from the OS (RSS is at most this, plus hakmem's heap objects)
 * @param chunks         chunks mapped now
 * @param chunksUnmapped chunks given back to the OS so far
 * @param spans          small-block spans in use
 * @param hugeBlocks     huge blocks (over 1 MiB) live
 * @param remoteFrees    frees by a thread other than the block's owner
 * @param invalidFrees   frees refused by {@link HakmemAllocator#tryFree} (interior or double)
 * @param eventsDropped  learning events dropped because the ring was full
 * @param threadCaches   platform-thread caches live
 * @param retiredCaches  caches retired after their thread died
 * @param osRoute        how memory is mapped: "mmap", "shm+arena" or "arena"
 * @param learning       whether a learner adapts the policy ({@code hakmem.learn})
 * @param chunkDecayMillis how long an empty chunk stays mapped now: the learner's decay, else {@code hakmem.chunk.decayMillis}
 * @param learnerDecisions policies the learner has published (its reasons are logged at debug level)
 * @param fullCacheBytes what one thread's caches hold when every size class is full under the policy in force:
 *                       within {@code hakmem.cache.maxBytes}; the learner moves capacity between classes
 * @param dirtyBytes     free pages inside mapped chunks whose memory is still resident: given back once free for the dirty decay
 * @param purgedBytes    bytes of free pages given back to the OS inside chunks that stay mapped, so far ({@code madvise};
 *                       the mmap route only)
 * @param purgeCalls     the system calls that did it (one per run of contiguous pages)
 * @param dirtyDecayMillis how long a free page inside a mapped chunk keeps its memory now: {@code hakmem.dirty.decayMillis},
 *                       at most {@code chunkDecayMillis}
 * @param orphanSpans    spans that threads left with blocks still out when they ended: their blocks come home
 *                       there, and a thread that needs a span of that class takes one over before carving anew
 * @param orphansAdopted such spans taken over so far
 */
public record HakmemStats(long allocations, long frees, long bytesAllocated, long bytesFreed, long liveBytes,
                          long liveBlocks, long cachedBytes, long bytesReserved, long limitBytes, long mappedBytes, int chunks,
                          long chunksUnmapped, int spans, int hugeBlocks, long remoteFrees, long invalidFrees,
                          long eventsDropped, int threadCaches, long retiredCaches, String osRoute,
                          boolean learning, long chunkDecayMillis, long learnerDecisions, long fullCacheBytes,
                          long dirtyBytes, long purgedBytes, long purgeCalls, long dirtyDecayMillis, int orphanSpans,
                          long orphansAdopted) {
}
