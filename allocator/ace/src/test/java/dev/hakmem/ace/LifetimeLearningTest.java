package dev.hakmem.ace;

import dev.hakmem.refill.spi.EventKind;
import dev.hakmem.refill.spi.Policy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The learner's classification of sites by sampled lifetimes, on scripted events: no thread, no clock, no sleep. */
class LifetimeLearningTest {
    private static final Policy INITIAL = Policy.of(new int[] {4, 8}, new int[] {8, 16});

    private static PolicyLearner learner() {
        return new PolicyLearner(INITIAL, PolicyLearner.Settings.defaults(), PolicyLearner.Lifetimes.defaults());
    }

    /** One round at time 0 in which {@code site} reports {@code survived} long and {@code died} short samples, interleaved. */
    private static PolicyLearner.Decision round(PolicyLearner learner, int site, int survived, int died) {
        learner.beginRound(0);
        int longLeft = survived;
        int shortLeft = died;
        while (longLeft > 0 || shortLeft > 0) {
            if (longLeft > 0) {
                learner.onEvent(EventKind.LIFETIME_LONG, 3, site);
                longLeft--;
            }
            if (shortLeft > 0) {
                learner.onEvent(EventKind.LIFETIME_SHORT, 3, site);
                shortLeft--;
            }
        }
        return learner.endRound();
    }

    @Test
    void shouldMarkASiteLongLivedWhenAtLeast85PercentOfAHundredSamplesSurvive() {
        PolicyLearner learner = learner();
        PolicyLearner.Decision decision = round(learner, 7, 85, 15);
        assertNotNull(decision);
        assertTrue(decision.policy().isLongLived(7));
        assertArrayEquals(new int[] {7}, decision.policy().longLivedSites());
        assertTrue(decision.reason().contains("site 7 long-lived"), decision.reason());
        assertEquals(1, learner.promotions());
    }

    @Test
    void shouldNotDecideBeforeAHundredSamples() {
        PolicyLearner learner = learner();
        assertNull(round(learner, 7, 99, 0));
        assertFalse(learner.isLongLived(7));
        assertNotNull(round(learner, 7, 1, 0)); // the hundredth
        assertTrue(learner.isLongLived(7));
    }

    @Test
    void shouldLeaveASiteShortLivedWhenFewerThan85PercentSurvive() {
        PolicyLearner learner = learner();
        assertNull(round(learner, 7, 84, 16));
        assertFalse(learner.isLongLived(7));
        assertEquals(0, learner.policy().longLivedCount());
    }

    @Test
    void shouldDemoteALongLivedSiteWhenFewerThanHalfOfAWindowSurvive() {
        PolicyLearner learner = learner();
        round(learner, 7, 100, 0);
        // between the thresholds: no flip either way (hysteresis)
        assertNull(round(learner, 7, 60, 40));
        assertTrue(learner.isLongLived(7));
        PolicyLearner.Decision decision = round(learner, 7, 49, 51);
        assertNotNull(decision);
        assertFalse(decision.policy().isLongLived(7));
        assertTrue(decision.reason().contains("short-lived again"), decision.reason());
        assertEquals(1, learner.demotions());
        // and it can come back
        assertTrue(round(learner, 7, 90, 10).policy().isLongLived(7));
    }

    @Test
    void shouldClassifySitesIndependentlyAndKeepTheDecayAndCounts() {
        PolicyLearner learner = learner();
        learner.beginRound(0);
        for (int i = 0; i < 100; i++) {
            learner.onEvent(EventKind.LIFETIME_LONG, 1, 3);
            learner.onEvent(EventKind.LIFETIME_SHORT, 1, 4);
            learner.onEvent(EventKind.LIFETIME_LONG, 1, 5);
        }
        Policy policy = learner.endRound().policy();
        assertArrayEquals(new int[] {3, 5}, policy.longLivedSites());
        assertEquals(learner.decayMillis(), policy.chunkDecayMillis());
        assertEquals(8, policy.refillCount(1));
        assertEquals(16, policy.cacheCapacity(1));
    }

    @Test
    void shouldCountAtMostTheSiteBoundAndIgnoreSitesNoPolicyCanName() {
        PolicyLearner learner = new PolicyLearner(INITIAL, PolicyLearner.Settings.defaults(),
                new PolicyLearner.Lifetimes(100, 85, 50, 1));
        assertNull(round(learner, 0, 100, 0));
        assertNull(round(learner, Policy.MAX_SITE_ID, 100, 0));
        assertNotNull(round(learner, 2, 100, 0)); // the first site counted
        assertNull(round(learner, 3, 100, 0)); // beyond the bound of one site
        assertArrayEquals(new int[] {2}, learner.policy().longLivedSites());
    }

    @Test
    void shouldRejectBadLifetimeSettingsAndSites() {
        assertThrows(IllegalArgumentException.class, () -> new PolicyLearner.Lifetimes(0, 85, 50, 10));
        assertThrows(IllegalArgumentException.class, () -> new PolicyLearner.Lifetimes(100, 50, 50, 10));
        assertThrows(IllegalArgumentException.class, () -> INITIAL.withLongLivedSites(0));
        assertThrows(IllegalArgumentException.class, () -> INITIAL.withLongLivedSites(Policy.MAX_SITE_ID));
        assertThrows(IllegalArgumentException.class, () -> INITIAL.withLongLivedSites(new int[Policy.MAX_LONG_LIVED_SITES + 1]));
    }

    @Test
    void shouldKeepLongLivedSitesAcrossADecayChange() {
        Policy policy = INITIAL.withLongLivedSites(9, 70, 3).withChunkDecayMillis(5_000);
        assertArrayEquals(new int[] {3, 9, 70}, policy.longLivedSites());
        assertTrue(policy.isLongLived(70));
        assertFalse(policy.isLongLived(71));
        assertFalse(policy.isLongLived(-3));
        assertEquals(5_000, policy.chunkDecayMillis());
    }
}
