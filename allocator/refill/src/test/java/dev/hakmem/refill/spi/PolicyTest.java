package dev.hakmem.refill.spi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyTest {
    @Test
    void shouldRejectARefillCountOutsideItsBoundsNamingTheClass() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Policy.of(new int[] {4, 0}, new int[] {8, 8}));
        assertTrue(e.getMessage().contains("class 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Policy.of(new int[] {Policy.MAX_BATCH + 1}, new int[] {1024}));
    }

    @Test
    void shouldRejectACapacityBelowTheRefillCount() {
        assertThrows(IllegalArgumentException.class, () -> Policy.of(new int[] {16}, new int[] {8}));
        assertThrows(IllegalArgumentException.class, () -> Policy.of(new int[] {16}, new int[] {Policy.MAX_CAPACITY + 1}));
    }

    @Test
    void shouldCopyItsInputSoLaterWritesDoNotLeakIn() {
        int[] refill = {4};
        int[] capacity = {8};
        Policy policy = Policy.of(refill, capacity);
        refill[0] = 100;
        assertEquals(4, policy.refillCount(0));
    }

    @Test
    void shouldPublishOnlyAPolicyOfTheSameShape() {
        PolicySource source = new PolicySource(Policy.of(new int[] {4, 4}, new int[] {8, 8}));
        Policy next = Policy.of(new int[] {2, 2}, new int[] {4, 4});
        source.publish(next);
        assertSame(next, source.current());
        assertThrows(IllegalArgumentException.class, () -> source.publish(Policy.of(new int[] {1}, new int[] {1})));
        assertSame(next, source.current(), "a rejected policy changes nothing");
    }

    @Test
    void shouldLeaveTheDecayToTheEngineUnlessOneIsGivenAndRejectOneOutOfRange() {
        Policy policy = Policy.of(new int[] {4}, new int[] {8});
        assertEquals(Policy.CONFIGURED_DECAY, policy.chunkDecayMillis());
        assertEquals(10_000, policy.chunkDecayMillisOr(10_000));
        Policy decaying = policy.withChunkDecayMillis(2_500);
        assertEquals(2_500, decaying.chunkDecayMillisOr(10_000));
        assertEquals(4, decaying.refillCount(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> policy.withChunkDecayMillis(-2));
        assertTrue(e.getMessage().contains("-2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> policy.withChunkDecayMillis(Policy.MAX_DECAY_MILLIS + 1));
    }
}
