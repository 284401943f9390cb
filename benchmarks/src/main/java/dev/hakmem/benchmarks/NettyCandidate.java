package dev.hakmem.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import org.openjdk.jmh.infra.Blackhole;

/**
 * A Netty {@link ByteBufAllocator} as a candidate: {@code directBuffer(size)} then {@code release()}.
 * The handle is the {@link ByteBuf}, so slots hold buffers, not addresses.
 */
final class NettyCandidate extends Candidate {
    private final ByteBufAllocator allocator;

    NettyCandidate(String name, ByteBufAllocator allocator) {
        super(name);
        this.allocator = allocator;
    }

    @Override
    public void allocateAndFree(long size, Blackhole bh) {
        ByteBuf buffer = allocator.directBuffer((int) size);
        bh.consume(buffer);
        buffer.release();
    }

    @Override
    public Slots newSlots(int capacity, Slots.Sharing sharing) {
        return new BufferSlots(allocator, capacity);
    }

    @Override
    public String describe() {
        return name() + " (" + allocator.getClass().getSimpleName() + ", Netty hasUnsafe=" + PlatformDependent.hasUnsafe() + ")";
    }

    private static final class BufferSlots extends Slots {
        private final ByteBufAllocator allocator;
        private final ByteBuf[] buffers;

        BufferSlots(ByteBufAllocator allocator, int capacity) {
            super(capacity);
            this.allocator = allocator;
            this.buffers = new ByteBuf[capacity];
        }

        @Override
        public void replace(int slot, long size) {
            ByteBuf[] b = buffers;
            ByteBuf old = b[slot];
            if (old != null) {
                old.release();
            }
            b[slot] = allocator.directBuffer((int) size);
        }

        @Override
        public void touch(int slot, long bytes, int stride) {
            ByteBuf buffer = buffers[slot];
            for (int index = 0; index < bytes; index += stride) {
                buffer.setByte(index, 1);
            }
        }

        @Override
        public void free(int slot) {
            ByteBuf old = buffers[slot];
            if (old != null) {
                buffers[slot] = null;
                old.release();
            }
        }
    }
}
