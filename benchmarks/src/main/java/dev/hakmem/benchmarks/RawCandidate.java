package dev.hakmem.benchmarks;

import org.openjdk.jmh.infra.Blackhole;

/** A {@link RawAllocator} as a candidate; slots are plain addresses in a {@code long[]}. */
final class RawCandidate extends Candidate {
    private final RawAllocator allocator;

    RawCandidate(String name, RawAllocator allocator) {
        super(name);
        this.allocator = allocator;
    }

    @Override
    public void allocateAndFree(long size, Blackhole bh) {
        RawAllocator a = allocator;
        long address = a.allocate(size);
        bh.consume(address);
        a.free(address);
    }

    @Override
    public RawAllocator raw() {
        return allocator;
    }

    @Override
    public Slots newSlots(int capacity, Slots.Sharing sharing) {
        return new AddressSlots(allocator, capacity);
    }

    private static final class AddressSlots extends Slots {
        private final RawAllocator allocator;
        private final long[] addresses;

        AddressSlots(RawAllocator allocator, int capacity) {
            super(capacity);
            this.allocator = allocator;
            this.addresses = new long[capacity];
        }

        @Override
        public void replace(int slot, long size) {
            long[] a = addresses;
            long old = a[slot];
            if (old != 0) {
                allocator.free(old);
            }
            a[slot] = allocator.allocate(size);
        }

        @Override
        public void touch(int slot, long bytes, int stride) {
            long base = addresses[slot];
            for (long offset = 0; offset < bytes; offset += stride) {
                UnsafeRawAllocator.UNSAFE.putByte(base + offset, (byte) 1);
            }
        }

        @Override
        public void free(int slot) {
            long old = addresses[slot];
            if (old != 0) {
                addresses[slot] = 0;
                allocator.free(old);
            }
        }
    }
}
