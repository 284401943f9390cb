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
 * two threads, each allocates 16 B–1 KiB blocks and hands them through its {@link AddressRing} to the
 * other, which frees them. Every block is freed by the thread that did not allocate it.
 * <pre>
 *   thread 0:  allocate ─► ring 0→1 ─► thread 1 frees        one operation, on each thread:
 *   thread 1:  allocate ─► ring 1→0 ─► thread 0 frees          allocate, offer (wait while full),
 *                                                              poll the other ring, free what came
 * </pre>
 * A full ring makes its producer wait, so both threads run at the slower one's pace and each frees
 * about as many blocks as it allocates. Sizes come from a fixed-seed script per thread (8,192 steps).
 * {@code -p allocator=harness} (no allocator) times the hand-off alone: the floor of this workload.
 * Runs with exactly 2 threads ({@code -t 2}); takes the address allocators only (hakmem, unsafe,
 * harness: {@link Candidate#raw}).
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
        @Param({"256"})
        public int ringSlots;

        AddressRing[] toward;
        private RawAllocator allocator;

        @Setup(Level.Iteration)
        public void create(AllocatorState state, BenchmarkParams benchmark) {
            if (benchmark.getThreads() != 2) {
                throw new IllegalArgumentException("ProducerConsumer runs with -t 2, not " + benchmark.getThreads());
            }
            allocator = state.candidate().raw();
            toward = new AddressRing[] {new AddressRing(ringSlots), new AddressRing(ringSlots)};
        }

        @TearDown(Level.Iteration)
        public void freeInFlight() {
            for (AddressRing ring : toward) {
                ring.drain(allocator::free);
            }
        }
    }

    private RawAllocator allocator;
    private AddressRing out;
    private AddressRing in;
    private int outPosition;
    private int inPosition;
    private final int[] sizes = new int[SCRIPT];
    private int step;

    @Setup(Level.Iteration)
    public void join(AllocatorState state, Rings rings, ThreadParams thread) {
        int me = thread.getThreadIndex();
        allocator = state.candidate().raw();
        out = rings.toward[1 - me];
        in = rings.toward[me];
        outPosition = 0;
        inPosition = 0;
        SplittableRandom random = new SplittableRandom(SEED + me);
        for (int i = 0; i < SCRIPT; i++) {
            sizes[i] = random.nextInt(MIN_SIZE, MAX_SIZE + 1);
        }
    }

    @Benchmark
    public void handOff(Control control) {
        RawAllocator a = allocator;
        int s = step;
        long block = a.allocate(sizes[s]);
        step = (s + 1) & (SCRIPT - 1);
        while (!out.offer(outPosition, block)) {
            if (control.stopMeasurement) { // the other thread has stopped consuming: keep nothing back
                a.free(block);
                block = 0;
                break;
            }
            freeOneReceived(a); // never wait without consuming: the other side may be waiting on us
            Thread.onSpinWait();
        }
        if (block != 0) {
            outPosition++;
        }
        freeOneReceived(a);
    }

    private void freeOneReceived(RawAllocator a) {
        long received = in.poll(inPosition);
        if (received != 0) {
            inPosition++;
            a.free(received);
        }
    }
}
