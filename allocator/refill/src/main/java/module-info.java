/**
 * Box 2 of hakmem: the back end. Carves batches out of spans, spans out of chunks, and chunks out of
 * the OS in one place ({@code dev.hakmem.refill.os}, not exported); owns the page map and the
 * remote-free queues.
 */
module dev.hakmem.refill {
    // deliberately not "requires transitive": the thread cache reads this module, and must not be able to name Box 3
    requires dev.hakmem.ace;

    // to the thread cache: batches (LocalHeap) and the spans a free finds in the page map; the cache
    // meets this box through OwnerCache, typed. To the facade: the engine it builds from its
    // configuration, huge blocks, statistics and the site tally. Nobody else: an application names dev.hakmem only
    exports dev.hakmem.refill to dev.hakmem.cache, dev.hakmem;
}
