package dev.hakmem.benchmarks;

import java.util.SplittableRandom;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Control;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Producer/consumer hand-offs in both directions at once, after mimalloc-bench's {@code xmalloc-test}:
 * two threads, each allocates 16 B–1 KiB blocks and hands them in batches of 64 through its
 * {@link BatchRing} to the other, which frees them. Every block is freed by the thread that did not
 * allocate it.
 * <pre>
 *   thread 0:  allocate ─► batch ─► ring 0→1 ─► thread 1 frees      one operation, on each thread:
 *   thread 1:  allocate ─► batch ─► ring 1→0 ─► thread 0 frees        allocate one block into the batch being
 *                                                                    filled (publish it when full; wait while
 *                                                                    the ring is full), free one received block
 * </pre>
 * A full ring makes its producer wait (freeing what it has received meanwhile), so both threads run at the
 * slower one's pace and each frees as many blocks as it allocates. Sizes come from a fixed-seed script per
 * thread (8,192 steps). {@code -p allocator=harness} (no allocator) times the hand-off alone: the floor of
 * this workload. Runs with exactly 2 threads ({@code -t 2}); takes the address allocators only (hakmem,
 * unsafe, harness: {@link Candidate#raw}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Threads(2)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ProducerConsumer {
    static final int MIN_SIZE = 16;
    static final int MAX_SIZE = 1024;
    private static final long SEED = 0x5EED_0005L;
    private static final int SCRIPT = 8192;

    /** The two rings, one per direction. */
    @State(Scope.Benchmark)
    public static class Rings {
        /** Batches of 64 in flight per direction. */
        @Param({"4"})
        public int ringBatches;

        BatchRing[] toward;
        private RawAllocator allocator;

        @Setup(Level.Iteration)
        public void create(AllocatorState state, BenchmarkParams benchmark) {
            if (benchmark.getThreads() != 2) {
                throw new IllegalArgumentException("ProducerConsumer runs with -t 2, not " + benchmark.getThreads());
            }
            allocator = state.candidate().raw();
            toward = new BatchRing[] {new BatchRing(ringBatches), new BatchRing(ringBatches)};
        }

        @TearDown(Level.Iteration)
        public void freeInFlight() {
            for (BatchRing ring : toward) {
                ring.drain(allocator::free);
            }
        }
    }

    private RawAllocator allocator;
    private BatchRing out;
    private BatchRing in;
    private int outBatch;
    /** Index in {@code out} of the next address of the batch being filled; -1 until one is claimed. */
    private int outIndex;
    private int outCount;
    private int inBatch;
    /** Index in {@code in} of the next address to free; -1 while no batch is held. */
    private int inIndex;
    private int inLeft;
    private final int[] sizes = new int[SCRIPT];
    private int step;

    @Setup(Level.Iteration)
    public void join(AllocatorState state, Rings rings, ThreadParams thread) {
        int me = thread.getThreadIndex();
        allocator = state.candidate().raw();
        out = rings.toward[1 - me];
        in = rings.toward[me];
        outBatch = 0;
        outIndex = -1;
        outCount = 0;
        inBatch = 0;
        inIndex = -1;
        inLeft = 0;
        SplittableRandom random = new SplittableRandom(SEED + me);
        for (int i = 0; i < SCRIPT; i++) {
            sizes[i] = random.nextInt(MIN_SIZE, MAX_SIZE + 1);
        }
    }

    @Benchmark
    public void handOff(Control control) {
        RawAllocator a = allocator;
        while (outIndex < 0) {
            outIndex = out.claim(outBatch);
            if (outIndex < 0) {
                if (control.stopMeasurement) {
                    return; // the other thread has stopped consuming
                }
                freeOneReceived(a); // never wait without consuming: the other side may be waiting on us
                // give the core up rather than spin: on two shared cores the other side may be waiting
                // for one (spinning here, single forks came out 3x slower than others)
                Thread.yield();
            }
        }
        int s = step;
        out.put(outIndex + outCount, a.allocate(sizes[s]));
        step = (s + 1) & (SCRIPT - 1);
        if (++outCount == BatchRing.BATCH) {
            out.publish(outBatch++, outCount);
            outIndex = -1;
            outCount = 0;
        }
        freeOneReceived(a);
    }

    private void freeOneReceived(RawAllocator a) {
        if (inIndex < 0) {
            inIndex = in.receive(inBatch);
            if (inIndex < 0) {
                return;
            }
            inLeft = BatchRing.BATCH;
        }
        int i = inIndex + BatchRing.BATCH - inLeft;
        long block = in.address(i);
        in.put(i, 0); // so a teardown's drain frees only what is still held
        a.free(block);
        if (--inLeft == 0) {
            in.giveBack(inBatch++);
            inIndex = -1;
        }
    }
}
