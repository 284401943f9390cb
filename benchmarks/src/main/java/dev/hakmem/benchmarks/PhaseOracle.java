package dev.hakmem.benchmarks;

import dev.hakmem.HakmemConfig;
import dev.hakmem.refill.RefillEngine;
import dev.hakmem.refill.SizeClasses;
import dev.hakmem.refill.spi.CacheBudget;
import dev.hakmem.refill.spi.Policy;

/**
 * The per-class oracle of {@link PhaseShift}: a policy that knows which sizes a phase allocates and
 * spends the whole per-thread cache budget ({@code hakmem.cache.maxBytes}) on their classes, every
 * other class kept at one block (the least a policy may give). No fixed setting
 * ({@code hakmem.cache.batchPercent} x {@code capacityPercent}) can express it, and no learner can
 * do better than it within the budget while a phase runs, so it bounds what a cache sizer that
 * follows the phases can buy. Two shapes:
 * <ul>
 *   <li>{@link Shape#EQUAL}: the same number of blocks for every class the phase uses;</li>
 *   <li>{@link Shape#WEIGHTED}: blocks in proportion to a class's share of the phase's sizes (its
 *       traffic: with sizes drawn uniformly, a class covering 16 KiB of sizes is allocated and freed
 *       four times as often as one covering 4 KiB, so at equal capacities it misses most).</li>
 * </ul>
 * A class's batch is {@code batchPercent} of its capacity (50: a refill leaves the cache half full,
 * where a flush of the older half also leaves it, so a random walk of frees and allocations starts
 * as far from either wall as it can).
 */
final class PhaseOracle {
    enum Shape { EQUAL, WEIGHTED }

    /**
     * Classes carrying less than this share of the heaviest class's traffic (the 16 KiB class in the
     * 16-128 KiB phase serves one size of 114,689) stay at one block: capacity there would be wasted.
     */
    private static final int NEGLIGIBLE_SHARE = 64;

    private PhaseOracle() {
    }

    /** The budget of this JVM's configuration; the oracle needs one. */
    static CacheBudget configuredBudget() {
        long maxBytes = HakmemConfig.fromEnvironment().cacheMaxBytes();
        if (maxBytes == HakmemConfig.NO_CACHE_BUDGET) {
            throw new IllegalStateException("the phase oracle spends a cache budget: set -Dhakmem.cache.maxBytes");
        }
        return CacheBudget.of(maxBytes);
    }

    /**
     * @param minSize      the phase's smallest size
     * @param maxSize      its largest
     * @param batchPercent a class's batch as a share of its capacity, 1..100
     * @return the policy; it fits {@code budget}
     */
    static Policy policy(int minSize, int maxSize, Shape shape, int batchPercent, CacheBudget budget) {
        if (batchPercent < 1 || batchPercent > 100) {
            throw new IllegalArgumentException("oracle batch " + batchPercent + "% of the capacity: use 1..100");
        }
        int classes = SizeClasses.COUNT;
        long[] traffic = new long[classes];
        long heaviest = 0;
        for (int c = 0; c < classes; c++) {
            long below = c == 0 ? 0 : SizeClasses.sizeOf(c - 1);
            long from = Math.max(below + 1, minSize);
            long to = Math.min(SizeClasses.sizeOf(c), maxSize);
            traffic[c] = Math.max(0, to - from + 1);
            heaviest = Math.max(heaviest, traffic[c]);
        }
        double[] weight = new double[classes];
        for (int c = 0; c < classes; c++) {
            boolean used = traffic[c] * NEGLIGIBLE_SHARE >= heaviest;
            weight[c] = !used ? 0 : shape == Shape.EQUAL ? 1 : (double) traffic[c] / heaviest;
        }
        // the largest scale whose capacities fit: capacity(c) = weight(c) * scale, at least 1, at most MAX_CAPACITY
        int low = 1;
        int high = Policy.MAX_CAPACITY * NEGLIGIBLE_SHARE;
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (CacheBudget.bytesOf(capacities(weight, mid)) <= budget.maxBytes()) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        int[] capacity = capacities(weight, low);
        int[] refill = new int[classes];
        for (int c = 0; c < classes; c++) {
            refill[c] = (int) Math.clamp((long) capacity[c] * batchPercent / 100, 1, capacity[c]);
        }
        Policy policy = Policy.of(refill, capacity);
        if (!budget.admits(policy)) {
            throw new IllegalStateException("the oracle's policy holds " + CacheBudget.bytesOf(policy) + " bytes, over " + budget);
        }
        return policy;
    }

    private static int[] capacities(double[] weight, int scale) {
        int[] capacity = new int[weight.length];
        for (int c = 0; c < weight.length; c++) {
            capacity[c] = (int) Math.clamp((long) (weight[c] * scale), 1, Policy.MAX_CAPACITY);
        }
        return capacity;
    }

    /**
     * Not an oracle, a control: the configured fixed setting ({@code hakmem.cache.batchPercent} x
     * {@code capacityPercent}, cut to the budget as the allocator cuts it) with every batch at most
     * {@code batchPercent} of its capacity. The budget's cut halves a class's capacity and clips its
     * batch to it, so the classes it cuts end with batch = capacity: a refill fills the cache and the
     * next free overflows it. This tells how much of the oracle's gain is that, which a fixed policy
     * could have too.
     */
    static Policy configuredWithBatchAtMost(int batchPercent) {
        HakmemConfig config = HakmemConfig.fromEnvironment();
        Policy fitted = configuredBudget().fit(RefillEngine.policyOf(config.cacheBatchPercent(), config.cacheCapacityPercent()));
        int[] refill = new int[fitted.sizeClasses()];
        int[] capacity = new int[fitted.sizeClasses()];
        for (int c = 0; c < refill.length; c++) {
            capacity[c] = fitted.cacheCapacity(c);
            refill[c] = (int) Math.clamp(Math.min(fitted.refillCount(c), (long) capacity[c] * batchPercent / 100), 1, capacity[c]);
        }
        return Policy.of(refill, capacity);
    }

    /** The classes above one block, as {@code size:batch/capacity}, for the fork's log. */
    static String describe(Policy policy) {
        StringBuilder out = new StringBuilder();
        for (int c = 0; c < policy.sizeClasses(); c++) {
            if (policy.cacheCapacity(c) > 1) {
                out.append(out.isEmpty() ? "" : " ").append(SizeClasses.sizeOf(c)).append(':')
                        .append(policy.refillCount(c)).append('/').append(policy.cacheCapacity(c));
            }
        }
        return out + " (" + CacheBudget.bytesOf(policy) + " bytes when full)";
    }
}
