package dev.hakmem.refill.spi;

import dev.hakmem.refill.SizeClasses;

/**
 * The most one thread cache may hold: the sum over size classes of a class's cache capacity times
 * its block size. A policy's capacities are per class and the same for every thread, so this is
 * also the bound per thread that a learner keeps when it moves capacity from one class to another
 * (TCMalloc's per-CPU caches move capacity the same way, from classes with few misses to classes
 * with many, under one byte budget).
 *
 * <p>The smallest budget is one block of every class ({@link #floorBytes()}): a cache that can hold
 * no block of a class would send every free of that class to the refill engine.
 */
public final class CacheBudget {
    private static final long[] BLOCK_SIZES = new long[SizeClasses.COUNT];
    private static final long FLOOR_BYTES;

    static {
        long floor = 0;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            BLOCK_SIZES[c] = SizeClasses.sizeOf(c);
            floor += BLOCK_SIZES[c];
        }
        FLOOR_BYTES = floor;
    }

    private final long maxBytes;

    private CacheBudget(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * @param maxBytes at least {@link #floorBytes()}
     * @throws IllegalArgumentException if it is smaller
     */
    public static CacheBudget of(long maxBytes) {
        if (maxBytes < FLOOR_BYTES) {
            throw new IllegalArgumentException("cache budget of " + maxBytes + " bytes is below one block of every size class ("
                    + FLOOR_BYTES + " bytes)");
        }
        return new CacheBudget(maxBytes);
    }

    /** A budget of exactly what {@code policy}'s caches hold when full. */
    public static CacheBudget covering(Policy policy) {
        return new CacheBudget(Math.max(FLOOR_BYTES, bytesOf(policy)));
    }

    /** One block of every size class: the smallest budget. */
    public static long floorBytes() {
        return FLOOR_BYTES;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** The size classes a budget counts: every class of the engine but huge blocks, which no cache holds. */
    public static int sizeClasses() {
        return BLOCK_SIZES.length;
    }

    public static long blockSize(int sizeClass) {
        return BLOCK_SIZES[sizeClass];
    }

    /** What one cache holds when every class is full under {@code policy}. */
    public static long bytesOf(Policy policy) {
        int[] capacities = new int[policy.sizeClasses()];
        for (int c = 0; c < capacities.length; c++) {
            capacities[c] = policy.cacheCapacity(c);
        }
        return bytesOf(capacities);
    }

    /** What one cache holds when class {@code c} is full at {@code capacities[c]} blocks, every class. */
    public static long bytesOf(int[] capacities) {
        long bytes = 0;
        for (int c = 0; c < capacities.length; c++) {
            bytes += capacities[c] * BLOCK_SIZES[c];
        }
        return bytes;
    }

    public boolean admits(Policy policy) {
        return bytesOf(policy) <= maxBytes;
    }

    /**
     * {@code policy} if it fits; otherwise the same policy with the capacity of the class that
     * would hold the most bytes halved (its batch too, if the batch no longer fits), again until it
     * fits. Large classes go first, so a budget costs the classes whose blocks are rarely many.
     */
    public Policy fit(Policy policy) {
        if (admits(policy)) {
            return policy;
        }
        int classes = policy.sizeClasses();
        int[] refill = new int[classes];
        int[] capacity = new int[classes];
        for (int c = 0; c < classes; c++) {
            refill[c] = policy.refillCount(c);
            capacity[c] = policy.cacheCapacity(c);
        }
        long bytes = bytesOf(capacity);
        while (bytes > maxBytes) {
            int largest = -1;
            for (int c = 0; c < classes; c++) {
                if (capacity[c] > 1 && (largest < 0 || capacity[c] * BLOCK_SIZES[c] > capacity[largest] * BLOCK_SIZES[largest])) {
                    largest = c;
                }
            }
            // cannot happen with maxBytes >= FLOOR_BYTES: every capacity at 1 is the floor
            if (largest < 0) {
                break;
            }
            int halved = capacity[largest] / 2;
            bytes -= (capacity[largest] - halved) * BLOCK_SIZES[largest];
            capacity[largest] = halved;
            refill[largest] = Math.min(refill[largest], halved);
        }
        return Policy.of(refill, capacity, policy.chunkDecayMillis()).withLongLivedSites(policy.longLivedSites());
    }

    @Override
    public String toString() {
        return "CacheBudget[" + maxBytes + " bytes]";
    }
}
