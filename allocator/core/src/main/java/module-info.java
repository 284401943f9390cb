/**
 * hakmem's public API: a fast thread-caching off-heap allocator. Start at {@link dev.hakmem.Hakmem}.
 */
module dev.hakmem {
    requires dev.hakmem.cache;
    requires dev.hakmem.refill;
    requires dev.hakmem.ace;
    requires org.slf4j;

    exports dev.hakmem;
}
