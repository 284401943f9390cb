package dev.hakmem.ace;

import dev.hakmem.refill.spi.CacheBudget;
import dev.hakmem.refill.spi.Policy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache sizer's decisions on scripted misses at scripted times: no thread, no clock. */
class CacheSizerTest {
    private static final long MS = 1_000_000L;
    /** Three classes: 16 B, 32 B and 48 B, batches of 4, caches of 8. */
    private static final Policy START = Policy.of(new int[] {4, 4, 4}, new int[] {8, 8, 8});
    private static final CacheSizer.Settings SETTINGS = new CacheSizer.Settings(1_000, 10, 2);

    private static CacheSizer sizer(long budgetBytes) {
        return new CacheSizer(START, CacheBudget.of(budgetBytes), SETTINGS);
    }

    /** Ends the epoch that began at {@code fromMillis} after {@code misses[c]} misses of each class. */
    private static String epoch(CacheSizer sizer, long fromMillis, int... misses) {
        for (int c = 0; c < misses.length; c++) {
            for (int i = 0; i < misses[c]; i++) {
                sizer.missed(c);
            }
        }
        return sizer.endRound((fromMillis + SETTINGS.epochMillis()) * MS);
    }

    private static CacheSizer started(long budgetBytes) {
        CacheSizer sizer = sizer(budgetBytes);
        assertNull(sizer.endRound(0), "the first round only starts the first epoch");
        return sizer;
    }

    @Test
    void shouldDecideNothingBeforeAnEpochHasPassed() {
        CacheSizer sizer = started(1L << 30);
        for (int i = 0; i < 100; i++) {
            sizer.missed(0);
        }
        assertNull(sizer.endRound(999 * MS));
        assertEquals(8, sizer.capacity(0));
    }

    @Test
    void shouldDoubleTheCacheOfAClassThatMissesOftenWithItsBatchInTheStartingRatio() {
        CacheSizer sizer = started(1L << 30);
        String why = epoch(sizer, 0, 10, 9, 0);
        assertNotNull(why);
        assertTrue(why.contains("class 0") && why.contains("8 -> 16"), why);
        assertEquals(16, sizer.capacity(0));
        assertEquals(8, sizer.refill(0));
        assertEquals(8, sizer.capacity(1), "9 misses are below the threshold");
        assertEquals(1, sizer.grown());
        Policy policy = sizer.policy(5_000);
        assertEquals(16, policy.cacheCapacity(0));
        assertEquals(5_000, policy.chunkDecayMillis());
    }

    @Test
    void shouldStopGrowingAtTheLargestCacheABlockStateAllows() {
        CacheSizer sizer = started(1L << 30);
        for (int e = 0; e < 10; e++) {
            epoch(sizer, e * 1_000L, 100);
        }
        assertEquals(Policy.MAX_CAPACITY, sizer.capacity(0));
        assertNull(epoch(sizer, 10_000, 100), "nothing left to grow");
    }

    @Test
    void shouldShrinkAGrownClassBackToWhereItStartedAfterQuietEpochs() {
        CacheSizer sizer = started(1L << 30);
        epoch(sizer, 0, 10);
        epoch(sizer, 1_000, 10);
        assertEquals(32, sizer.capacity(0));
        assertNull(epoch(sizer, 2_000, 0), "one quiet epoch is a lull");
        String why = epoch(sizer, 3_000, 0);
        assertNotNull(why);
        assertTrue(why.contains("32 -> 16"), why);
        epoch(sizer, 4_000, 0);
        epoch(sizer, 5_000, 0);
        assertEquals(8, sizer.capacity(0));
        epoch(sizer, 6_000, 0);
        epoch(sizer, 7_000, 0);
        assertEquals(8, sizer.capacity(0), "never below where it started");
        assertEquals(2, sizer.shrunk());
    }

    /** Every class of the engine with batches of 1 and caches of 2: twice the smallest budget when full. */
    private static Policy everyClassHoldingTwo() {
        int[] refill = new int[CacheBudget.sizeClasses()];
        int[] capacity = new int[CacheBudget.sizeClasses()];
        java.util.Arrays.fill(refill, 1);
        java.util.Arrays.fill(capacity, 2);
        return Policy.of(refill, capacity);
    }

    @Test
    void shouldTakeCapacityFromQuietClassesWhenTheBudgetIsFull() {
        Policy start = everyClassHoldingTwo();
        CacheSizer sizer = new CacheSizer(start, CacheBudget.covering(start), SETTINGS);
        assertNull(sizer.endRound(0));
        int[] misses = new int[CacheBudget.sizeClasses()];
        misses[0] = 10;
        misses[1] = 5;
        // class 0 needs 2 x 16 B more: the quiet class holding the most (1 MiB blocks) gives one block
        String why = epoch(sizer, 0, misses);
        assertNotNull(why);
        int largest = CacheBudget.sizeClasses() - 1;
        assertTrue(why.contains("taken from class " + largest + " 2 -> 1"), why);
        assertEquals(4, sizer.capacity(0));
        assertEquals(1, sizer.capacity(largest));
        assertEquals(1, sizer.refill(largest), "a batch never outgrows its cache");
        assertEquals(2, sizer.capacity(1), "class 1 missed 5 times: not quiet enough to give");
        assertTrue(sizer.fullCacheBytes() <= CacheBudget.bytesOf(start));
    }

    @Test
    void shouldNotGrowWhenTheQuietClassesCannotGiveEnough() {
        Policy start = everyClassHoldingTwo();
        CacheSizer sizer = new CacheSizer(start, CacheBudget.covering(start), SETTINGS);
        assertNull(sizer.endRound(0));
        int[] misses = new int[CacheBudget.sizeClasses()];
        java.util.Arrays.fill(misses, 10);
        assertNull(epoch(sizer, 0, misses), "every class misses: none is quiet, nothing moves");
        assertEquals(2, sizer.capacity(0));
        assertEquals(0, sizer.grown());
    }

    @Test
    void shouldKeepTheBatchOfAGrownClassAtHalfItsCacheWhenItStartedFull() {
        // batch = capacity, as the budget's cut leaves the classes it cuts
        Policy full = Policy.of(new int[] {8, 8, 8}, new int[] {8, 8, 8});
        CacheSizer sizer = new CacheSizer(full, CacheBudget.of(1L << 30), SETTINGS);
        assertNull(sizer.endRound(0));
        epoch(sizer, 0, 10);
        assertEquals(16, sizer.capacity(0));
        assertEquals(8, sizer.refill(0), "a refill that filled the cache would have the next free overflow it");
    }

    private static final int ANY_CLASS = 40;
    private static final int DONOR = 30;
    private static final int GROWER = CacheBudget.sizeClasses() - 1;

    /**
     * Every class at one block, but class {@value #ANY_CLASS} (40 KiB) at 64 blocks (batch 32),
     * class {@value #DONOR} (7 KiB) at 64 and the 1 MiB class at 2; the budget holds exactly that. Then
     * an epoch in which only the 1 MiB class misses: it doubles to 4 blocks (2 MiB more), taken from
     * the quiet class with the largest footprint, class {@value #ANY_CLASS}, halved from 64 to 8
     * (2.19 MiB), which leaves 192 KiB of the budget free.
     */
    private static CacheSizer afterClass40GaveCapacityAway() {
        int[] refill = new int[CacheBudget.sizeClasses()];
        int[] capacity = new int[CacheBudget.sizeClasses()];
        java.util.Arrays.fill(refill, 1);
        java.util.Arrays.fill(capacity, 1);
        refill[ANY_CLASS] = 32;
        capacity[ANY_CLASS] = 64;
        refill[DONOR] = 32;
        capacity[DONOR] = 64;
        capacity[GROWER] = 2;
        Policy start = Policy.of(refill, capacity);
        CacheSizer sizer = new CacheSizer(start, CacheBudget.covering(start), SETTINGS);
        assertNull(sizer.endRound(0));
        int[] misses = new int[CacheBudget.sizeClasses()];
        misses[GROWER] = 10;
        String why = epoch(sizer, 0, misses);
        assertTrue(why != null && why.contains("taken from class " + ANY_CLASS + " 64 -> 8"), why);
        assertEquals(4, sizer.capacity(GROWER));
        assertEquals(8, sizer.capacity(ANY_CLASS));
        assertEquals(64, sizer.capacity(DONOR), "the larger footprint gave first, and enough");
        return sizer;
    }

    @Test
    void shouldGiveAClassBackWhatItHadInOneStepWhenItMissesAgain() {
        CacheSizer sizer = afterClass40GaveCapacityAway();
        long budgetBytes = sizer.fullCacheBytes() + 192 * 1024;
        int[] misses = new int[CacheBudget.sizeClasses()];
        misses[ANY_CLASS] = 10;
        // 56 blocks of 40 KiB, less the 192 KiB free: the 1 MiB class, quiet now, gives 2 blocks
        String why = epoch(sizer, 1_000, misses);
        assertTrue(why != null && why.contains("cache 8 -> 64 blocks"), why);
        assertEquals(64, sizer.capacity(ANY_CLASS));
        assertEquals(32, sizer.refill(ANY_CLASS), "the starting ratio");
        assertEquals(2, sizer.capacity(GROWER));
        assertTrue(sizer.fullCacheBytes() <= budgetBytes);
    }

    @Test
    void shouldDoubleAClassWhenTheQuietClassesCannotGiveBackAllItHad() {
        CacheSizer sizer = afterClass40GaveCapacityAway();
        long budgetBytes = sizer.fullCacheBytes() + 192 * 1024;
        int[] misses = new int[CacheBudget.sizeClasses()];
        misses[ANY_CLASS] = 20;
        misses[GROWER] = 10; // busy: it gives nothing; only class 30 (64 x 7 KiB = 448 KiB) is quiet
        // 64 blocks would need 2,048 KiB more than is free, class 30 has 441 to give; 16 need 128
        String why = epoch(sizer, 1_000, misses);
        assertTrue(why != null && why.contains("class " + ANY_CLASS + " (40960 B) missed 20 times in 1000 ms: cache 8 -> 16 blocks")
                && why.contains("taken from class " + DONOR + " 64 -> 32"), why);
        assertEquals(16, sizer.capacity(ANY_CLASS));
        assertEquals(8, sizer.refill(ANY_CLASS));
        assertEquals(32, sizer.capacity(DONOR));
        assertEquals(4, sizer.capacity(GROWER), "4 MiB more: nobody quiet can give that");
        assertTrue(sizer.fullCacheBytes() <= budgetBytes);
    }

    @Test
    void shouldRefuseAStartingPolicyOverTheBudget() {
        Policy large = everyClassHoldingTwo();
        CacheBudget budget = CacheBudget.of(CacheBudget.floorBytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CacheSizer(large, budget, SETTINGS));
        assertTrue(e.getMessage().contains("over the budget"), e.getMessage());
    }

    @Test
    void shouldIgnoreMissesOfClassesThePolicyDoesNotKnow() {
        CacheSizer sizer = started(1L << 30);
        for (int i = 0; i < 100; i++) {
            sizer.missed(-1);
            sizer.missed(3);
        }
        assertNull(sizer.endRound(1_000 * MS));
    }
}
