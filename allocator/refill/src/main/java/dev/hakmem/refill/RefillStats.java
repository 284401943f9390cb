package dev.hakmem.refill;

/**
 * A snapshot of the refill engine.
 *
 * @param mappedBytes    address space mapped from the OS (chunks, huge mappings, cached huge mappings)
 * @param chunks         chunks mapped now
 * @param chunksMapped   chunks ever mapped
 * @param chunksUnmapped chunks given back to the OS
 * @param spans          small spans carved and not released
 * @param hugeBlocks     huge blocks in use
 * @param hugeBytes      their bytes
 * @param hugeCached     huge mappings kept for reuse
 * @param hugeCachedBytes their bytes
 * @param bytesInUse     bytes counted against the limit: blocks out of spans (in caches or with users) and huge blocks
 * @param limitBytes     the limit
 * @param orphanFrees    frees of blocks whose owning thread had gone
 * @param eventsDropped  learning events dropped because the ring was full
 * @param osRoute        how memory is mapped: "mmap", "shm+arena" or "arena"
 * @param dirtyBytes     free pages inside chunks whose memory is still resident (purged once free for the decay)
 * @param purgedBytes    bytes of free pages given back to the OS inside chunks that stay mapped, so far
 * @param purgeCalls     system calls that did it (one per run of contiguous pages)
 * @param orphanSpans    spans left with blocks out by heaps that retired, not yet adopted or emptied
 * @param orphansAdopted such spans that a refill took over instead of carving a new span, so far
 */
public record RefillStats(long mappedBytes, int chunks, long chunksMapped, long chunksUnmapped, int spans,
                          int hugeBlocks, long hugeBytes, int hugeCached, long hugeCachedBytes, long bytesInUse,
                          long limitBytes, long orphanFrees, long eventsDropped, String osRoute,
                          long dirtyBytes, long purgedBytes, long purgeCalls, int orphanSpans, long orphansAdopted) {
}
