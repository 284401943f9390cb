package dev.hakmem.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * A ring of live small blocks: each operation frees the block in a random slot and allocates a new one
 * of a random size in 16–1024 B there (one free plus one allocate). Slots and sizes come from a
 * fixed-seed {@link Sequence}, so every candidate replays the same script. The ring is filled before
 * each iteration and freed after it, outside measurement.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Threads(1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RandomMixed {
    static final int MIN_SIZE = 16;
    static final int MAX_SIZE = 1024;
    private static final long SEED = 0x5EED_0001L;

    @Param({"256", "1024"})
    public int slots;

    private Sequence sequence;
    private Slots ring;

    @Setup(Level.Iteration)
    public void fill(AllocatorState allocator, ThreadParams thread) {
        sequence = new Sequence(SEED + thread.getThreadIndex(), slots, MIN_SIZE, MAX_SIZE);
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
