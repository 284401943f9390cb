package dev.hakmem.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The FFM way to own native memory: one arena per allocation, closing it frees the memory.
 * Single operations use {@link Arena#ofConfined()}. Ring slots use a confined arena per slot when the
 * benchmark thread frees its own slots, and {@link Arena#ofShared()} when slots are freed by other
 * threads (Larson), since a confined arena can only be closed by its owner; closing a shared arena
 * costs a handshake with every thread, which is what FFM charges for cross-thread frees.
 * {@code Arena.allocate} zeroes the memory, which the other candidates do not.
 */
final class ArenaCandidate extends Candidate {
    /** Same alignment as hakmem gives. */
    private static final long ALIGNMENT = 16;

    ArenaCandidate(String name) {
        super(name);
    }

    @Override
    public void allocateAndFree(long size, Blackhole bh) {
        Arena arena = Arena.ofConfined();
        MemorySegment segment = arena.allocate(size, ALIGNMENT);
        bh.consume(segment.address());
        arena.close();
    }

    @Override
    public Slots newSlots(int capacity, Slots.Sharing sharing) {
        return new ArenaSlots(capacity, sharing == Slots.Sharing.SHARED);
    }

    private static final class ArenaSlots extends Slots {
        private final Arena[] arenas;
        private final MemorySegment[] segments;
        private final boolean shared;

        ArenaSlots(int capacity, boolean shared) {
            super(capacity);
            this.arenas = new Arena[capacity];
            this.segments = new MemorySegment[capacity];
            this.shared = shared;
        }

        @Override
        public void replace(int slot, long size) {
            Arena[] a = arenas;
            Arena old = a[slot];
            if (old != null) {
                old.close();
            }
            Arena arena = shared ? Arena.ofShared() : Arena.ofConfined();
            segments[slot] = arena.allocate(size, ALIGNMENT);
            a[slot] = arena;
        }

        @Override
        public void touch(int slot, long bytes, int stride) {
            MemorySegment segment = segments[slot];
            for (long offset = 0; offset < bytes; offset += stride) {
                segment.set(ValueLayout.JAVA_BYTE, offset, (byte) 1);
            }
        }

        @Override
        public void free(int slot) {
            Arena old = arenas[slot];
            if (old != null) {
                arenas[slot] = null;
                segments[slot] = null;
                old.close();
            }
        }
    }
}
