package dev.hakmem.ace.spi;

import java.util.Arrays;

/**
 * Per-size-class refill counts and thread-cache capacities. Immutable: a learner publishes a new
 * instance, and the refill engine reads it at its next refill only (contract B), so no cache or
 * block that already exists is touched by a policy change.
 */
public final class Policy {
    /**
     * Hard bounds on what any policy may ask for, so a bad learner cannot blow a cache up. A cache
     * holds at most 254 blocks per class because a cached block's state byte records its slot in the
     * cache's stack (slots 2..255; 0 and 1 mean free and allocated), and a batch must fit its cache.
     */
    public static final int MAX_CAPACITY = 254;
    public static final int MAX_BATCH = MAX_CAPACITY;

    private final int[] refillCounts;
    private final int[] cacheCapacities;

    private Policy(int[] refillCounts, int[] cacheCapacities) {
        this.refillCounts = refillCounts;
        this.cacheCapacities = cacheCapacities;
    }

    /**
     * @throws IllegalArgumentException if the arrays differ in length, or a count is outside
     *         1..{@value #MAX_BATCH}, or a capacity is below its refill count or above {@value #MAX_CAPACITY}
     */
    public static Policy of(int[] refillCounts, int[] cacheCapacities) {
        if (refillCounts.length != cacheCapacities.length) {
            throw new IllegalArgumentException("policy: " + refillCounts.length + " refill counts but "
                    + cacheCapacities.length + " capacities");
        }
        for (int c = 0; c < refillCounts.length; c++) {
            int refill = refillCounts[c];
            int capacity = cacheCapacities[c];
            if (refill < 1 || refill > MAX_BATCH) {
                throw new IllegalArgumentException("policy: refill count " + refill + " of class " + c
                        + " is outside 1.." + MAX_BATCH);
            }
            if (capacity < refill || capacity > MAX_CAPACITY) {
                throw new IllegalArgumentException("policy: cache capacity " + capacity + " of class " + c
                        + " must be between its refill count " + refill + " and " + MAX_CAPACITY);
            }
        }
        return new Policy(refillCounts.clone(), cacheCapacities.clone());
    }

    public int sizeClasses() {
        return refillCounts.length;
    }

    public int refillCount(int sizeClass) {
        return refillCounts[sizeClass];
    }

    public int cacheCapacity(int sizeClass) {
        return cacheCapacities[sizeClass];
    }

    @Override
    public String toString() {
        return "Policy{refill=" + Arrays.toString(refillCounts) + ", capacity=" + Arrays.toString(cacheCapacities) + '}';
    }
}
