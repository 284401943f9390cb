package dev.hakmem.benchmarks;

import dev.hakmem.Hakmem;

/**
 * hakmem's process-wide instance through its static API, as README.md shows users: {@code Hakmem}'s
 * instance is a {@code static final}, so C2 knows its class and calls it without a type check (an
 * interface-typed field, as this class held before, cost one per call).
 */
final class HakmemRawAllocator implements RawAllocator {
    @Override
    public long allocate(long size) {
        return Hakmem.allocate(size);
    }

    @Override
    public void free(long address) {
        Hakmem.free(address);
    }
}
