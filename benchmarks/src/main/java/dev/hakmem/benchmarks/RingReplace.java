package dev.hakmem.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * A ring of live blocks: each operation frees the block in a random slot and allocates a new one of
 * a random size there (one free plus one allocate). Slots and sizes come from a fixed-seed
 * {@link Sequence}, so every candidate replays the same script. The ring is filled before each
 * iteration and freed after it, outside measurement. Each thread has its own ring; subclasses give
 * the size range.
 */
@State(Scope.Thread)
public abstract class RingReplace {
    private final int minSize;
    private final int maxSize;
    private final long seed;

    @Param({"256", "1024"})
    public int slots;

    private Sequence sequence;
    private Slots ring;

    protected RingReplace(int minSize, int maxSize, long seed) {
        this.minSize = minSize;
        this.maxSize = maxSize;
        this.seed = seed;
    }

    @Setup(Level.Iteration)
    public void fill(AllocatorState allocator, ThreadParams thread) {
        sequence = new Sequence(seed + thread.getThreadIndex(), slots, minSize, maxSize);
        ring = allocator.candidate().newSlots(slots, Slots.Sharing.CONFINED);
        sequence.fill(ring);
    }

    @TearDown(Level.Iteration)
    public void drain() {
        ring.freeAll();
    }

    @Benchmark
    public void replace() {
        sequence.step(ring);
    }
}
