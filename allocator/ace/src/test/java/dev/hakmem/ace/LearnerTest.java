package dev.hakmem.ace;

import dev.hakmem.refill.spi.EventKind;
import dev.hakmem.refill.spi.EventRing;
import dev.hakmem.refill.spi.Policy;
import dev.hakmem.refill.spi.PolicySource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearnerTest {
    private static final long MS = 1_000_000L;
    private static final Policy INITIAL = Policy.of(new int[] {4}, new int[] {8}, 10_000);

    @Test
    void shouldPublishTheStartingPolicyAndAttachToTheRingWhenAttached() {
        EventRing ring = new EventRing(16);
        PolicySource source = new PolicySource(INITIAL);
        PolicyLearner logic = new PolicyLearner(INITIAL, PolicyLearner.Settings.defaults());
        Learner.attach(ring, source, logic, d -> { });
        assertTrue(ring.isConsumed());
        assertSame(logic.policy(), source.current());
        assertEquals(1_000, source.current().chunkDecayMillis());
    }

    @Test
    void shouldPublishEachDecisionAndTellTheListener() {
        EventRing ring = new EventRing(16);
        PolicySource source = new PolicySource(INITIAL);
        List<String> told = new ArrayList<>();
        Learner learner = Learner.attach(ring, source, new PolicyLearner(INITIAL, PolicyLearner.Settings.defaults()),
                d -> told.add(d.reason()));
        ring.offer(EventKind.CHUNK_UNMAPPED, -1, 1 << 20);
        learner.runOnce(0);
        ring.offer(EventKind.CHUNK_MAPPED, -1, 1 << 20);
        ring.offer(EventKind.REFILL, 3, 64);
        learner.runOnce(2_000 * MS);
        assertEquals(4_500, source.current().chunkDecayMillis());
        assertEquals(1, told.size());
        assertTrue(told.getFirst().contains("2000 ms after"), told.getFirst());
        LearnerSnapshot snapshot = learner.snapshot();
        assertEquals(new LearnerSnapshot(2, 3, 1, 4_500, told.getFirst()), snapshot);
    }

    /**
     * Contract A: with a learner that never drains, a storm of producers neither blocks nor grows
     * anything: the ring keeps its capacity, and every event is either in it or counted as dropped.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldDropAndCountWhenTheLearnerStallsWhileProducersNeverBlock() throws InterruptedException {
        EventRing ring = new EventRing(64);
        PolicySource source = new PolicySource(INITIAL);
        Learner learner = Learner.attach(ring, source, new PolicyLearner(INITIAL, PolicyLearner.Settings.defaults()), d -> { });
        int producers = 4;
        int perProducer = 200_000;
        Thread[] threads = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            threads[p] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perProducer; i++) {
                    ring.offer(EventKind.REFILL, 1, i);
                }
            });
        }
        for (Thread t : threads) {
            t.join(); // the stalled learner is not waited for: join returns only because offer never blocks
        }
        long offered = (long) producers * perProducer;
        assertEquals(48, ring.published(), "bulk events fill three quarters of the ring and no more");
        assertEquals(offered - 48, ring.dropped());
        assertTrue(ring.offer(EventKind.CHUNK_UNMAPPED, -1, 1 << 20), "the last quarter is kept for a chunk's event");
        learner.runOnce(0); // the learner wakes: it reads what the ring kept
        assertEquals(49, learner.snapshot().eventsSeen());
        assertTrue(ring.offer(EventKind.REFILL, 1, 0), "room again once drained");
    }

    @Test
    void shouldDrainWhatTheRingHoldsInOneRound() {
        EventRing ring = new EventRing(8);
        PolicySource source = new PolicySource(INITIAL);
        Learner learner = Learner.attach(ring, source, new PolicyLearner(INITIAL, PolicyLearner.Settings.defaults()), d -> { });
        for (int i = 0; i < 8; i++) {
            ring.offer(EventKind.SPAN_RELEASED, 0, 64 * 1024);
        }
        learner.runOnce(0);
        assertEquals(8, learner.snapshot().eventsSeen());
        assertEquals(1, learner.snapshot().rounds());
        assertEquals(0, ring.drain((k, c, v) -> { }, 8));
    }
}
