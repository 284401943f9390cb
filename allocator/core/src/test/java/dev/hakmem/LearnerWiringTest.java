package dev.hakmem;

import dev.hakmem.refill.spi.Policy;
import dev.hakmem.refill.spi.PolicySource;
import dev.hakmem.refill.SizeClasses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The learner as the facade wires it, driven by hand ({@code driveLearner = false}): contracts A and
 * B at the allocator's level, and what the statistics show.
 */
class LearnerWiringTest {
    private static final long MS = 1_000_000L;

    private static DefaultAllocator allocator(boolean learn) {
        return new DefaultAllocator(HakmemConfig.builder().learn(learn).chunkDecayMillis(10_000).build(), null, false);
    }

    @Test
    void shouldShowTheConfiguredDecayAndNoLearnerWithLearningOff() {
        try (DefaultAllocator allocator = allocator(false)) {
            HakmemStats stats = allocator.stats();
            assertFalse(stats.learning());
            assertEquals(10_000, stats.chunkDecayMillis());
            assertEquals(0, stats.learnerDecisions());
        }
    }

    @Test
    void shouldStartAtTheLearnersDecayAndShowEachDecisionInTheStatistics() {
        try (DefaultAllocator allocator = allocator(true)) {
            assertTrue(allocator.stats().learning());
            assertEquals(1_000, allocator.stats().chunkDecayMillis(), "the learner starts by giving memory back early");
            // a burst past the first chunks, all freed, then trimmed: chunks go back to the OS
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                blocks.add(allocator.allocate(64 * 1024));
            }
            blocks.forEach(allocator::free);
            allocator.releaseThreadCache();
            allocator.trim();
            allocator.learnerRound(0);
            assertTrue(allocator.stats().chunksUnmapped() > 0);
            // and the demand comes back 2 s later: the learner regrets it and keeps empty chunks longer
            for (int i = 0; i < 300; i++) {
                blocks.set(i, allocator.allocate(64 * 1024));
            }
            allocator.learnerRound(2_000 * MS);
            HakmemStats stats = allocator.stats();
            assertEquals(1, stats.learnerDecisions());
            assertEquals((1_000 + 2_000) * 3 / 2, stats.chunkDecayMillis());
            blocks.forEach(allocator::free);
        }
    }

    /**
     * Contract B: a policy published while a cache holds blocks changes nothing in it; the class's
     * next refill takes the new batch.
     */
    @Test
    void shouldApplyANewPolicyAtTheNextRefillOnly() {
        try (DefaultAllocator allocator = allocator(true)) {
            int sizeClass = SizeClasses.classOf(64);
            long blockSize = SizeClasses.sizeOf(sizeClass);
            PolicySource source = allocator.policySource();
            long first = allocator.allocate(64);
            long cachedBefore = allocator.stats().cachedBytes();
            // a class's first batch is small (the heap's slow start), at most the policy's
            int batch = (int) (cachedBefore / blockSize) + 1;
            assertTrue(batch > 3 && batch <= source.current().refillCount(sizeClass), "first batch " + batch);

            int[] refill = new int[SizeClasses.COUNT];
            int[] capacity = new int[SizeClasses.COUNT];
            for (int c = 0; c < SizeClasses.COUNT; c++) {
                refill[c] = source.current().refillCount(c);
                capacity[c] = source.current().cacheCapacity(c);
            }
            refill[sizeClass] = 3;
            capacity[sizeClass] = 6;
            source.publish(Policy.of(refill, capacity, source.current().chunkDecayMillis()));
            assertEquals(cachedBefore, allocator.stats().cachedBytes(), "the cache's blocks are untouched by the new policy");

            List<Long> blocks = new ArrayList<>();
            for (int i = 1; i < batch; i++) {
                blocks.add(allocator.allocate(64)); // the rest of the old batch: no refill yet
            }
            assertEquals(0, allocator.stats().cachedBytes());
            blocks.add(allocator.allocate(64)); // the next refill: the new batch of 3
            assertEquals(2 * blockSize, allocator.stats().cachedBytes());
            allocator.free(first);
            blocks.forEach(allocator::free);
        }
    }

    /**
     * Contract A at the allocator's level: a learner that never runs lets the ring fill; the engine's
     * events are then dropped and counted, and allocation goes on as before.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCountDroppedEventsAndKeepAllocatingWhileTheLearnerStalls() {
        try (DefaultAllocator allocator = allocator(true)) {
            int sizeClass = SizeClasses.classOf(1024);
            int capacity = allocator.policySource().current().cacheCapacity(sizeClass);
            long[] blocks = new long[4 * capacity];
            // every round overflows the cache (a flush event) and refills it (a refill event)
            for (int round = 0; round < 20_000; round++) {
                for (int i = 0; i < blocks.length; i++) {
                    blocks[i] = allocator.allocate(1024);
                }
                for (long block : blocks) {
                    allocator.free(block);
                }
            }
            HakmemStats stats = allocator.stats();
            assertTrue(stats.eventsDropped() > 0, "a full ring drops: " + stats);
            assertEquals(0, stats.liveBlocks());
            allocator.learnerRound(0); // the learner wakes and reads what the ring kept
            assertEquals(0, allocator.stats().learnerDecisions());
        }
    }

    @Test
    void shouldCutTheCachesToTheBudgetAndLetTheLearnerMoveCapacityWithinIt() {
        long budget = 8L << 20;
        HakmemConfig config = HakmemConfig.builder().learn(true).cacheMaxBytes(budget).build();
        try (DefaultAllocator allocator = new DefaultAllocator(config, null, false)) {
            long start = allocator.stats().fullCacheBytes();
            assertTrue(start <= budget, start + " bytes in full caches, over the budget");
            allocator.learnerRound(0);
            // 4 KiB blocks, allocated and freed in runs longer than the cache: refills and flushes in turn
            long[] blocks = new long[1_000];
            for (int run = 0; run < 20; run++) {
                for (int i = 0; i < blocks.length; i++) {
                    blocks[i] = allocator.allocate(4096);
                }
                for (long block : blocks) {
                    allocator.free(block);
                }
            }
            allocator.learnerRound(1_000 * MS);
            HakmemStats stats = allocator.stats();
            assertEquals(1, stats.learnerDecisions());
            assertTrue(stats.fullCacheBytes() <= budget, stats.fullCacheBytes() + " bytes in full caches, over the budget");
        }
        try (DefaultAllocator allocator = allocator(false)) {
            assertTrue(allocator.stats().fullCacheBytes() > budget, "without a budget the caches keep their default sizes");
        }
    }
}
