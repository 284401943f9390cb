package dev.hakmem.benchmarks;

import dev.hakmem.Hakmem;
import dev.hakmem.HakmemAllocator;

/** hakmem's process-wide instance, called through its instance API (one interface call per operation). */
final class HakmemRawAllocator implements RawAllocator {
    private final HakmemAllocator hakmem = Hakmem.allocator();

    @Override
    public long allocate(long size) {
        return hakmem.allocate(size);
    }

    @Override
    public void free(long address) {
        hakmem.free(address);
    }
}
