package dev.hakmem.benchmarks;

import java.util.SplittableRandom;

/**
 * A precomputed, fixed-seed script of ring operations: at step {@code i}, free slot {@code slot(i)} and
 * allocate {@code size(i)} bytes there. Precomputing keeps the random number generator (and any
 * allocation) out of the measured path; 8,192 steps of two ints are 64 KiB, which stays in L2.
 * The script repeats every {@value #LENGTH} steps; with 1,024 slots that still reshuffles sizes
 * over slots, since step {@code i} meets whatever an earlier step left in its slot.
 */
public final class Sequence {
    public static final int LENGTH = 8192;
    private static final int MASK = LENGTH - 1;

    private final int[] slots = new int[LENGTH];
    private final int[] sizes = new int[LENGTH];
    private int position;

    /**
     * @param seed fixed per workload and thread, so every candidate replays the same script
     * @param slotCount slots are drawn uniformly from [0, slotCount)
     * @param minSize sizes are drawn uniformly from [minSize, maxSize]
     */
    public Sequence(long seed, int slotCount, int minSize, int maxSize) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < LENGTH; i++) {
            slots[i] = random.nextInt(slotCount);
            sizes[i] = random.nextInt(minSize, maxSize + 1);
        }
    }

    /** Fills every slot of {@code table} with a size from the script (outside measurement). */
    public void fill(Slots table) {
        for (int slot = 0; slot < table.capacity(); slot++) {
            table.replace(slot, sizes[slot & MASK]);
        }
    }

    /** One measured operation: one free (of a full slot) and one allocate. */
    public void step(Slots table) {
        int p = position;
        table.replace(slots[p], sizes[p]);
        position = (p + 1) & MASK;
    }
}
