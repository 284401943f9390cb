package dev.hakmem.benchmarks;

import dev.hakmem.HakmemAllocator;
import dev.hakmem.HakmemConfig;

/**
 * hakmem in debug mode ({@code hakmem.debug=true}: freed blocks poisoned and checked when handed
 * out again, a canary after every block checked at its free), to price debug mode against
 * {@code allocator=hakmem}. A private instance in a {@code static final}, so C2 knows its class as
 * it knows {@code Hakmem}'s: the difference between the two is debug mode's work, not a type check.
 */
final class HakmemDebugRawAllocator implements RawAllocator {
    private static final HakmemAllocator DEBUG = HakmemAllocator.create(HakmemConfig.fromEnvironment().withDebug(true));

    @Override
    public long allocate(long size) {
        return DEBUG.allocate(size);
    }

    @Override
    public void free(long address) {
        DEBUG.free(address);
    }
}
