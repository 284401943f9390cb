package dev.hakmem.benchmarks;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * After Larson and Krishnan's server simulation: each thread owns an array of {@code arraySlots} live
 * blocks of 8–1000 B and replaces a random one per operation; in the original, a thread that has done its
 * round exits and hands its array to a freshly started successor, so blocks are routinely freed by a
 * thread that did not allocate them, often after their allocator died.
 *
 * <p>A JMH worker cannot exit, so the hand-off is emulated with a successor thread per benchmark
 * ({@link Handoff}):
 * <pre>
 *   worker k:   ... roundOps replace-ops on array A ... | put (k, A) → toSuccessor, take B ← fromSuccessor[k] | ... on B ...
 *   successor:  take (k, A) ← toSuccessor; one round of arraySlots replace-ops on A; put A → fromSuccessor[k]
 * </pre>
 * There are 2 × threads arrays: each worker holds one and its {@code fromSuccessor[k]} starts with one
 * ready, so a worker normally finds an array waiting and does not block. Every block a worker frees
 * after a hand-off was allocated by the successor or by that worker, and the successor frees what
 * workers allocated: frees are cross-thread in both directions, also with one worker. An array stays
 * in its worker's line, as in the original, where a thread's array passes to the thread that replaces
 * it. (With one queue back for all workers, which worker got which array depended on the order the two
 * workers happened to swap in, a phase that held for a whole fork: arrays stayed in their line in some
 * forks and crossed between workers in others, and the 2-thread row was bimodal.) {@code successor=pooled} keeps one long-lived
 * successor thread; {@code successor=fresh} starts a new platform thread for every round (joined before the
 * array is handed on), so blocks also outlive the thread that allocated them, as in the original.
 *
 * <p>One operation is one free plus one allocate on the worker; the hand-off (two queue operations every
 * {@code roundOps} operations) is amortised into it, the successor's work is not counted but competes for
 * the same cores. FFM arenas must be {@link java.lang.foreign.Arena#ofShared() shared} here, since another
 * thread closes them.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Threads(1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class Larson {
    static final int MIN_SIZE = 8;
    static final int MAX_SIZE = 1000;
    private static final long SEED = 0x5EED_0003L;
    private static final long SUCCESSOR_SEED = SEED + 1000;

    private Sequence sequence;
    private Slots mine;
    private int untilHandoff;
    private int worker;

    /** An array on its way to the successor, with the worker whose line it belongs to. */
    private record Handed(int worker, Slots array) {
    }

    /** The successor thread and the two queues between it and the workers. */
    @State(Scope.Benchmark)
    public static class Handoff {
        @Param({"1000"})
        public int arraySlots;

        @Param({"10000"})
        public int roundOps;

        @Param({"pooled", "fresh"})
        public String successor;

        private BlockingQueue<Handed> toSuccessor;
        private BlockingQueue<Slots>[] fromSuccessor;
        private Thread dispatcher;

        @Setup(Level.Iteration)
        public void start(AllocatorState allocator, BenchmarkParams benchmark) {
            boolean fresh = switch (successor) {
                case "pooled" -> false;
                case "fresh" -> true;
                default -> throw new IllegalArgumentException("successor=" + successor + "; use pooled or fresh");
            };
            int threads = benchmark.getThreads();
            toSuccessor = new ArrayBlockingQueue<>(2 * threads);
            @SuppressWarnings("unchecked")
            BlockingQueue<Slots>[] back = new BlockingQueue[threads];
            fromSuccessor = back;
            Sequence script = new Sequence(SUCCESSOR_SEED, arraySlots, MIN_SIZE, MAX_SIZE);
            for (int i = 0; i < threads; i++) {
                Slots ready = allocator.candidate().newSlots(arraySlots, Slots.Sharing.SHARED);
                script.fill(ready);
                fromSuccessor[i] = new ArrayBlockingQueue<>(2);
                fromSuccessor[i].add(ready);
            }
            dispatcher = Thread.ofPlatform().name("larson-successor").daemon()
                    .start(() -> runSuccessor(script, fresh));
        }

        @TearDown(Level.Iteration)
        public void stop() throws InterruptedException {
            dispatcher.interrupt();
            dispatcher.join();
            for (Handed handed; (handed = toSuccessor.poll()) != null; ) {
                handed.array.freeAll();
            }
            for (BlockingQueue<Slots> queue : fromSuccessor) {
                freeAll(queue);
            }
        }

        /** Hands worker {@code worker}'s {@code mine} to the successor and returns that worker's array it has finished with. */
        Slots swap(int worker, Slots mine) {
            toSuccessor.add(new Handed(worker, mine)); // one small object per round, on the benchmark's side
            try {
                return fromSuccessor[worker].take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the Larson successor", e);
            }
        }

        private void runSuccessor(Sequence script, boolean fresh) {
            while (true) {
                Slots array;
                int worker;
                try {
                    Handed handed = toSuccessor.take();
                    array = handed.array;
                    worker = handed.worker;
                } catch (InterruptedException e) {
                    return; // teardown: whatever is still queued is freed there
                }
                if (fresh) {
                    joinUninterruptibly(Thread.ofPlatform().name("larson-round").start(() -> round(script, array)));
                } else {
                    round(script, array);
                }
                fromSuccessor[worker].add(array); // never full: a worker has two arrays in all
            }
        }

        private static void round(Sequence script, Slots array) {
            for (int i = 0, n = array.capacity(); i < n; i++) {
                script.step(array);
            }
        }

        /** Waits for a round to end even when teardown interrupts, so no array is lost; keeps the interrupt. */
        private static void joinUninterruptibly(Thread round) {
            boolean interrupted = false;
            while (true) {
                try {
                    round.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        private static void freeAll(BlockingQueue<Slots> queue) {
            for (Slots array; (array = queue.poll()) != null; ) {
                array.freeAll();
            }
        }
    }

    @Setup(Level.Iteration)
    public void fill(AllocatorState allocator, Handoff handoff, ThreadParams thread) {
        worker = thread.getThreadIndex();
        sequence = new Sequence(SEED + worker, handoff.arraySlots, MIN_SIZE, MAX_SIZE);
        mine = allocator.candidate().newSlots(handoff.arraySlots, Slots.Sharing.SHARED);
        sequence.fill(mine);
        untilHandoff = handoff.roundOps;
    }

    @TearDown(Level.Iteration)
    public void drain() {
        mine.freeAll();
    }

    @Benchmark
    public void replace(Handoff handoff) {
        sequence.step(mine);
        if (--untilHandoff == 0) {
            mine = handoff.swap(worker, mine);
            untilHandoff = handoff.roundOps;
        }
    }
}
