package dev.hakmem.benchmarks;

import dev.hakmem.BenchmarkPolicies;
import dev.hakmem.refill.spi.CacheBudget;
import dev.hakmem.refill.spi.Policy;
import java.util.Arrays;
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
 * A size mix that shifts every {@link #phaseMillis}: tiny blocks (16 B-1 KiB), then mid (1-16 KiB),
 * then large (16-128 KiB), round and round, over one ring of live blocks that each phase replaces
 * gradually ({@link RingReplace}'s step: free a random slot, allocate the phase's next size there).
 * What it measures is how the thread caches' capacities and batches fit a mix that does not hold
 * still: a fixed policy sized for one phase is wrong for the next, and a learner
 * ({@code -Dhakmem.learn=true}) has to follow. {@code benchmarks/scripts/phase_sweep.sh} runs it for
 * a grid of fixed settings ({@code hakmem.cache.batchPercent} x {@code hakmem.cache.capacityPercent})
 * and with the learner, in one go. An iteration should span all three phases ({@code -r 3s} with
 * the default 1 s phases). {@link #policy} {@code equal} or {@code weighted} replaces the configured
 * policy by {@link PhaseOracle}'s for the phase running, published at every phase change: the
 * per-class oracle, the most a learner could do within the budget.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Threads(1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class PhaseShift {
    private static final int[][] PHASE_SIZES = {{16, 1024}, {1024, 16 * 1024}, {16 * 1024, 128 * 1024}};
    /** Operations between looks at the clock: a {@code nanoTime} per 4,096 steps is noise. */
    private static final int CLOCK_MASK = 4095;

    @Param({"1024"})
    public int slots;

    @Param({"1000"})
    public long phaseMillis;

    /**
     * Which phases take turns: {@code all}, or one of {@code tiny}, {@code mid}, {@code large} held
     * still. One phase alone, under each fixed setting, tells what the best setting for that phase
     * would give if a policy could switch at once: the bound on what following the phases can buy
     * ({@code PHASE_PER_PHASE=1 benchmarks/scripts/phase_sweep.sh}).
     */
    @Param({"all"})
    public String mix;

    /**
     * {@code configured}: the policy of {@code hakmem.cache.*} (or the learner's); {@code equal} or
     * {@code weighted}: {@link PhaseOracle}'s shape for the running phase, within
     * {@code hakmem.cache.maxBytes}, published when the phase starts ({@code allocator=hakmem} only);
     * {@code configured-batch}: a control, the configured policy with every batch at most
     * {@link #oracleBatchPercent} of its capacity ({@link PhaseOracle#configuredWithBatchAtMost}).
     */
    @Param({"configured"})
    public String policy;

    /** The oracle's batch per class, as a share of its capacity (ignored for {@code configured}). */
    @Param({"50"})
    public int oracleBatchPercent;

    /** Per phase, the oracle's policy; null for {@code policy=configured}. */
    private Policy[] oracle;

    private int[] turns;
    private int turn;

    private Sequence[] phases;
    private Slots ring;
    private int phase;
    private int steps;
    private long phaseEndsNanos;

    @Setup(Level.Trial)
    public void script(ThreadParams thread, AllocatorState allocator) {
        turns = switch (mix) {
            case "all" -> new int[] {0, 1, 2};
            case "tiny" -> new int[] {0};
            case "mid" -> new int[] {1};
            case "large" -> new int[] {2};
            default -> throw new IllegalArgumentException("mix=" + mix + "; use all, tiny, mid or large");
        };
        phase = turns[0];
        phases = new Sequence[PHASE_SIZES.length];
        for (int p = 0; p < phases.length; p++) {
            phases[p] = new Sequence(0x5EED_0300L + 31L * p + thread.getThreadIndex(), slots, PHASE_SIZES[p][0], PHASE_SIZES[p][1]);
        }
        oracle = switch (policy) {
            case "configured" -> null;
            case "equal" -> oraclePolicies(allocator, PhaseOracle.Shape.EQUAL);
            case "weighted" -> oraclePolicies(allocator, PhaseOracle.Shape.WEIGHTED);
            case "configured-batch" -> configuredWithBatchAtMost(allocator);
            default -> throw new IllegalArgumentException("policy=" + policy + "; use configured, equal, weighted or configured-batch");
        };
        if (oracle != null) {
            BenchmarkPolicies.publish(oracle[phase]);
        }
    }

    private Policy[] configuredWithBatchAtMost(AllocatorState allocator) {
        if (!allocator.allocator.equals("hakmem")) {
            throw new IllegalArgumentException("policy=" + policy + " steers hakmem's caches; allocator=" + allocator.allocator);
        }
        Policy fixed = PhaseOracle.configuredWithBatchAtMost(oracleBatchPercent);
        System.err.println("# hakmem-bench: configured policy, batches at most " + oracleBatchPercent + "% of the capacity, size:batch/capacity "
                + PhaseOracle.describe(fixed));
        Policy[] policies = new Policy[PHASE_SIZES.length];
        Arrays.fill(policies, fixed);
        return policies;
    }

    private Policy[] oraclePolicies(AllocatorState allocator, PhaseOracle.Shape shape) {
        if (!allocator.allocator.equals("hakmem")) {
            throw new IllegalArgumentException("policy=" + policy + " steers hakmem's caches; allocator=" + allocator.allocator);
        }
        CacheBudget budget = PhaseOracle.configuredBudget();
        Policy[] policies = new Policy[PHASE_SIZES.length];
        for (int p = 0; p < policies.length; p++) {
            policies[p] = PhaseOracle.policy(PHASE_SIZES[p][0], PHASE_SIZES[p][1], shape, oracleBatchPercent, budget);
            System.err.println("# hakmem-bench: oracle " + shape + " for " + PHASE_SIZES[p][0] + ".." + PHASE_SIZES[p][1]
                    + " B, size:batch/capacity " + PhaseOracle.describe(policies[p]));
        }
        return policies;
    }

    @Setup(Level.Iteration)
    public void fill(AllocatorState allocator) {
        ring = allocator.candidate().newSlots(slots, Slots.Sharing.CONFINED);
        phases[phase].fill(ring);
        phaseEndsNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(phaseMillis);
    }

    @TearDown(Level.Iteration)
    public void drain() {
        ring.freeAll();
    }

    @Benchmark
    public void replace() {
        if ((++steps & CLOCK_MASK) == 0) {
            nextPhaseIfDue();
        }
        phases[phase].step(ring);
    }

    private void nextPhaseIfDue() {
        long now = System.nanoTime();
        if (now - phaseEndsNanos >= 0) {
            turn = (turn + 1) % turns.length;
            if (oracle != null && phase != turns[turn]) {
                BenchmarkPolicies.publish(oracle[turns[turn]]);
            }
            phase = turns[turn];
            phaseEndsNanos = now + TimeUnit.MILLISECONDS.toNanos(phaseMillis);
        }
    }
}
