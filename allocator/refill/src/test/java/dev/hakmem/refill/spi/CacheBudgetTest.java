package dev.hakmem.refill.spi;

import dev.hakmem.refill.RefillEngine;
import dev.hakmem.refill.SizeClasses;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CacheBudgetTest {
    @Test
    void shouldCountWhatFullCachesHold() {
        Policy policy = RefillEngine.defaultPolicy();
        long expected = 0;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            expected += (long) policy.cacheCapacity(c) * SizeClasses.sizeOf(c);
        }
        assertEquals(expected, CacheBudget.bytesOf(policy));
        assertEquals(expected, CacheBudget.covering(policy).maxBytes());
        assertTrue(CacheBudget.covering(policy).admits(policy));
    }

    @Test
    void shouldLeaveAPolicyThatFitsAsItIs() {
        Policy policy = RefillEngine.defaultPolicy();
        assertSame(policy, CacheBudget.covering(policy).fit(policy));
    }

    @Test
    void shouldCutTheLargestClassesFirstUntilThePolicyFits() {
        Policy policy = RefillEngine.defaultPolicy();
        CacheBudget budget = CacheBudget.of(8L << 20);
        Policy fitted = budget.fit(policy);
        assertTrue(CacheBudget.bytesOf(fitted) <= 8L << 20, CacheBudget.bytesOf(fitted) + " bytes");
        int largest = SizeClasses.COUNT - 1;
        assertTrue(fitted.cacheCapacity(largest) < policy.cacheCapacity(largest), "the 1 MiB class gave first");
        assertEquals(policy.cacheCapacity(0), fitted.cacheCapacity(0), "the 16 B class holds little and keeps its cache");
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            assertTrue(fitted.refillCount(c) <= fitted.cacheCapacity(c), "class " + c + "'s batch fits its cache");
            assertTrue(fitted.cacheCapacity(c) >= 1, "class " + c + " keeps a block");
        }
        assertEquals(policy.chunkDecayMillis(), fitted.chunkDecayMillis());
    }

    @Test
    void shouldFitTheSmallestBudgetWithOneBlockOfEveryClass() {
        Policy fitted = CacheBudget.of(CacheBudget.floorBytes()).fit(RefillEngine.defaultPolicy());
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            assertEquals(1, fitted.cacheCapacity(c), "class " + c);
        }
    }

    @Test
    void shouldRefuseABudgetBelowOneBlockOfEveryClassNamingTheFloor() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CacheBudget.of(CacheBudget.floorBytes() - 1));
        assertTrue(e.getMessage().contains(String.valueOf(CacheBudget.floorBytes())), e.getMessage());
    }

    @Test
    void shouldScaleBatchesAndCapacitiesByPercentWithinWhatACacheCanHold() {
        Policy policy = RefillEngine.policyOf(50, 300);
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            int batch = Math.max(1, SizeClasses.defaultBatch(c) / 2);
            assertEquals(batch, policy.refillCount(c), "class " + c);
            assertEquals(Math.min(Policy.MAX_CAPACITY, 3 * batch), policy.cacheCapacity(c), "class " + c);
        }
        assertEquals(Policy.MAX_BATCH, RefillEngine.policyOf(1000, 100).refillCount(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RefillEngine.policyOf(100, 50));
        assertTrue(e.getMessage().contains("50%"), e.getMessage());
    }
}
