/**
 * Box 1 of hakmem: per-thread, per-size-class caches of free blocks. It reads the refill engine
 * (Box 2) and nothing else: it cannot name the learning box, so no learning code can reach the hot path.
 */
module dev.hakmem.cache {
    requires dev.hakmem.refill;

    // the facade is the only reader: applications use dev.hakmem
    exports dev.hakmem.cache to dev.hakmem;
}
