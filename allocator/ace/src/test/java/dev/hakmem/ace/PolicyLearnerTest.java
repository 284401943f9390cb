package dev.hakmem.ace;

import dev.hakmem.refill.spi.EventKind;
import dev.hakmem.refill.spi.Policy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The learner's decisions on scripted events at scripted times: no thread, no clock, no sleep. */
class PolicyLearnerTest {
    private static final long MS = 1_000_000L;
    private static final Policy INITIAL = Policy.of(new int[] {4, 8}, new int[] {8, 16});

    /** Runs one round at {@code atMillis} over {@code events}; returns the decay decided, or -1. */
    private static long round(PolicyLearner learner, long atMillis, EventKind... events) {
        learner.beginRound(atMillis * MS);
        for (EventKind kind : events) {
            learner.onEvent(kind, -1, 1L << 20);
        }
        PolicyLearner.Decision decision = learner.endRound();
        return decision == null ? -1 : decision.policy().chunkDecayMillis();
    }

    private static PolicyLearner learner() {
        return new PolicyLearner(INITIAL, new PolicyLearner.Settings(1_000, 60_000, 10_000));
    }

    @Test
    void shouldStartAtTheMinimumDecayAndKeepTheCountsAndCapacities() {
        PolicyLearner learner = learner();
        assertEquals(1_000, learner.policy().chunkDecayMillis());
        assertEquals(8, learner.policy().refillCount(1));
        assertEquals(16, learner.policy().cacheCapacity(1));
    }

    @Test
    void shouldDecideNothingOnGrowthAlone() {
        PolicyLearner learner = learner();
        assertEquals(-1, round(learner, 0, EventKind.CHUNK_MAPPED, EventKind.REFILL, EventKind.SPAN_ACQUIRED));
        assertEquals(-1, round(learner, 100_000, EventKind.CHUNK_MAPPED));
        assertEquals(1, learner.events(EventKind.REFILL));
    }

    @Test
    void shouldKeepEmptyChunksLongerWhenOneIsMappedAgainSoonAfterOneWentBack() {
        PolicyLearner learner = learner();
        round(learner, 0, EventKind.CHUNK_MAPPED, EventKind.CHUNK_MAPPED);
        assertEquals(-1, round(learner, 1_000, EventKind.CHUNK_UNMAPPED));
        // mapped again 3 s later: the memory was idle about 1 s + 3 s, and 1.5 times that is kept from now on
        assertEquals(6_000, round(learner, 4_000, EventKind.CHUNK_MAPPED, EventKind.CHUNK_MAPPED));
        assertEquals(1, learner.regrets());
    }

    @Test
    void shouldNotRegretARemapAfterTheHorizon() {
        PolicyLearner learner = learner();
        round(learner, 1_000, EventKind.CHUNK_UNMAPPED);
        assertEquals(-1, round(learner, 10_900));
        // the horizon passed with nothing mapped: vindicated, and already at the minimum
        assertEquals(-1, round(learner, 11_000));
        assertEquals(1, learner.vindications());
        assertEquals(-1, round(learner, 20_000, EventKind.CHUNK_MAPPED));
        assertEquals(0, learner.regrets());
    }

    @Test
    void shouldHalveTheDecayWhenAReleaseIsVindicatedAndNeverGoBelowTheMinimum() {
        PolicyLearner learner = learner();
        round(learner, 0, EventKind.CHUNK_UNMAPPED);
        assertEquals(15_000, round(learner, 9_000, EventKind.CHUNK_MAPPED)); // (1 s + 9 s) * 1.5
        List<Long> decays = new ArrayList<>();
        long t = 100_000;
        for (int i = 0; i < 6; i++) {
            round(learner, t, EventKind.CHUNK_UNMAPPED);
            decays.add(round(learner, t + 10_000));
            t += 100_000;
        }
        assertEquals(List.of(7_500L, 3_750L, 1_875L, 1_000L, -1L, -1L), decays);
    }

    @Test
    void shouldVindicateAReleaseWhenTheRemapAndTheHorizonFallInOneRound() {
        PolicyLearner learner = learner();
        round(learner, 0, EventKind.CHUNK_UNMAPPED);
        assertEquals(15_000, round(learner, 9_000, EventKind.CHUNK_MAPPED));
        round(learner, 20_000, EventKind.CHUNK_UNMAPPED);
        assertEquals(7_500, round(learner, 30_100, EventKind.CHUNK_MAPPED), "mapped 10.1 s after: no regret, and the release was right");
        assertEquals(1, learner.vindications());
    }

    @Test
    void shouldCapTheDecayAtTheMaximum() {
        PolicyLearner learner = new PolicyLearner(INITIAL, new PolicyLearner.Settings(1_000, 5_000, 10_000));
        round(learner, 0, EventKind.CHUNK_UNMAPPED);
        assertEquals(5_000, round(learner, 9_000, EventKind.CHUNK_MAPPED));
        round(learner, 20_000, EventKind.CHUNK_UNMAPPED);
        assertEquals(-1, round(learner, 21_000, EventKind.CHUNK_MAPPED), "already at the maximum: nothing to publish");
    }

    @Test
    void shouldDecideTheSameOnTheSameScript() {
        List<Long> first = script(learner());
        assertEquals(first, script(learner()));
        assertTrue(first.stream().anyMatch(d -> d > 0));
    }

    private static List<Long> script(PolicyLearner learner) {
        List<Long> decided = new ArrayList<>();
        long t = 0;
        for (int cycle = 0; cycle < 20; cycle++) {
            decided.add(round(learner, t, EventKind.CHUNK_MAPPED, EventKind.REFILL, EventKind.FLUSH));
            t += cycle % 3 == 0 ? 2_500 : 700;
            decided.add(round(learner, t, EventKind.CHUNK_UNMAPPED, EventKind.SPAN_RELEASED));
            t += cycle % 5 == 0 ? 12_000 : 3_000;
        }
        return decided;
    }

    @Test
    void shouldGrowTheCacheOfAClassThatKeepsMissingWithoutTouchingTheDecay() {
        PolicyLearner learner = learner();
        round(learner, 0);
        learner.beginRound(1_000 * MS);
        for (int i = 0; i < 64; i++) {
            learner.onEvent(i % 2 == 0 ? EventKind.REFILL : EventKind.FLUSH, 1, 8);
        }
        PolicyLearner.Decision decision = learner.endRound();
        assertTrue(decision != null && decision.reason().contains("class 1"), String.valueOf(decision));
        assertEquals(32, decision.policy().cacheCapacity(1));
        assertEquals(16, decision.policy().refillCount(1));
        assertEquals(8, decision.policy().cacheCapacity(0), "class 0 did not miss");
        assertEquals(1_000, decision.policy().chunkDecayMillis());
        assertEquals(1, learner.cacheGrowths());
    }
}
