/**
 * Box 2 of hakmem: the back end. Carves batches out of spans, spans out of chunks, and chunks out of
 * the OS in one place ({@code dev.hakmem.refill.os}); owns the page map and the remote-free queues.
 */
module dev.hakmem.refill {
    // deliberately not "requires transitive": the thread cache reads this module, and must not be able to name Box 3
    requires dev.hakmem.ace;

    // batches flow to the thread cache, which also reads spans on its free path
    exports dev.hakmem.refill;
}
