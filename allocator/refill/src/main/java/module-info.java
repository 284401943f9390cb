/**
 * Box 2 of hakmem: the back end. Carves batches out of spans, spans out of chunks, and chunks out of
 * the OS in one place ({@code dev.hakmem.refill.os}, not exported); owns the page map and the
 * remote-free queues, and the contracts through which a learner watches it and steers it
 * ({@code dev.hakmem.refill.spi}). It reads no other box.
 */
module dev.hakmem.refill {
    // to the thread cache: batches (LocalHeap) and the spans a free finds in the page map; the cache
    // meets this box through OwnerCache, typed. To the facade: the engine it builds from its
    // configuration, huge blocks, statistics and the site tally. Nobody else: an application names dev.hakmem only
    exports dev.hakmem.refill to dev.hakmem.cache, dev.hakmem;
    // to the learner: events (EventRing, EventKind) flow out of this box's cold paths, a policy (Policy,
    // PolicySource) flows back in and is read at refill; the facade creates both and wires them. Not to
    // the thread cache: nothing on the hot path can publish or read a policy
    exports dev.hakmem.refill.spi to dev.hakmem.ace, dev.hakmem;
}
