/**
 * Box 1 of hakmem: per-thread, per-size-class caches of free blocks, with both hit paths (allocate
 * and free). It reads the refill engine (Box 2) and nothing else: it cannot name the learning box,
 * so no learning code can reach the hot path.
 */
module dev.hakmem.cache {
    requires dev.hakmem.refill;

    // to the facade only: the caches it routes each call to, their totals and the sampling hook
    exports dev.hakmem.cache to dev.hakmem;
}
