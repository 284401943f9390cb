package dev.hakmem.cache;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HotPathSwitchesTest {
    @Test
    void shouldKeepTheValuesTheHotPathWasCompiledWithAndTellALaterOfferOfOthers() {
        boolean statistics = HotPathFlags.STATISTICS; // initialises the flags: from here on they are fixed
        boolean checks = HotPathFlags.CHECKS;
        assertTrue(HotPathSwitches.offer(statistics, checks), "the same values");
        assertFalse(HotPathSwitches.offer(!statistics, checks));
        assertFalse(HotPathSwitches.offer(statistics, !checks));
        assertEquals(statistics, HotPathSwitches.fix()[0]);
        assertEquals(checks, HotPathSwitches.fix()[1]);
    }
}
