package dev.hakmem.benchmarks;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;

/**
 * The candidates by name, as the JMH parameter {@code allocator} spells them.
 *
 * <ul>
 *   <li>{@code hakmem}: {@code Hakmem.allocate/free}.
 *   <li>{@code unsafe}: {@code Unsafe.allocateMemory/freeMemory} over the process's malloc; bin/bench runs
 *       it once per native allocator with {@code LD_PRELOAD} and labels the rows glibc, jemalloc, mimalloc
 *       or tcmalloc.
 *   <li>{@code arena}: an FFM arena per allocation (see {@link ArenaCandidate}).
 *   <li>{@code netty-pooled}: {@code PooledByteBufAllocator}, direct, Netty's default arena and cache
 *       sizes, thread caches on for every thread (plain JMH threads are not {@code FastThreadLocalThread}s,
 *       and Netty 4.2 caches only for those unless asked).
 *   <li>{@code netty-adaptive}: {@code new AdaptiveByteBufAllocator(true, true)}: direct, with caches for
 *       threads outside event loops.
 *   <li>{@code hakmem-debug}: hakmem in debug mode ({@link HakmemDebugRawAllocator}), to price it against
 *       {@code hakmem}; not in {@link #NAMES}.
 *   <li>{@code harness}: no allocator at all ({@link HarnessOnly}), to time the benchmark itself; not in
 *       {@link #NAMES}, so no summary shows it.
 *   <li>{@code floor}: the least work a Java-heap thread cache can do ({@link JavaCacheFloor}), one
 *       thread only, its features chosen with {@code -Dfloor.features}; not in {@link #NAMES} either.
 * </ul>
 */
public final class Allocators {
    /** Every name {@link #create(String)} accepts, in the order summaries show them. */
    public static final List<String> NAMES = List.of("hakmem", "unsafe", "arena", "netty-pooled", "netty-adaptive");

    private Allocators() {
    }

    /** A fresh candidate; {@code hakmem} is the process-wide instance whatever the number of calls. */
    public static Candidate create(String name) {
        return switch (name) {
            case "hakmem" -> new RawCandidate(name, new HakmemRawAllocator());
            case "unsafe" -> new RawCandidate(name, new UnsafeRawAllocator());
            case "hakmem-debug" -> new RawCandidate(name, new HakmemDebugRawAllocator());
            case "harness" -> new RawCandidate(name, new HarnessOnly());
            case "floor" -> new RawCandidate(name, new JavaCacheFloor());
            case "arena" -> new ArenaCandidate(name);
            case "netty-pooled" -> new NettyCandidate(name, new PooledByteBufAllocator(
                    true,
                    PooledByteBufAllocator.defaultNumHeapArena(),
                    PooledByteBufAllocator.defaultNumDirectArena(),
                    PooledByteBufAllocator.defaultPageSize(),
                    PooledByteBufAllocator.defaultMaxOrder(),
                    PooledByteBufAllocator.defaultSmallCacheSize(),
                    PooledByteBufAllocator.defaultNormalCacheSize(),
                    true));
            case "netty-adaptive" -> new NettyCandidate(name, new AdaptiveByteBufAllocator(true, true));
            default -> throw new IllegalArgumentException(
                    "allocator=" + name + " is not a candidate; use one of " + NAMES + ", or hakmem-debug, harness, floor");
        };
    }
}
