package dev.hakmem.concurrency.events;

import dev.hakmem.refill.spi.EventRing;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A ring of capacity 2 is full (events 1 and 2). The consumer drains one event while a producer
 * offers event 3. If the producer sees the consumer index move, it reuses the slot the consumer
 * just emptied: the consumer must have cleared that slot <em>before</em> publishing the new index,
 * or its clear could wipe event 3 after the producer wrote it. Otherwise the producer drops event 3
 * and counts it.
 *
 * <p>r1 = what the consumer drained, r2 = 1 if the offer of event 3 returned true, r3 = what a
 * drain afterwards saw ({@link Sequence} digits), r4 = {@code dropped()}.
 */
@JCStressTest
@Outcome(id = "1, 1, 23, 0", expect = ACCEPTABLE, desc = "consumer freed a slot first: event 3 accepted into it, drained after event 2")
@Outcome(id = "1, 0, 2, 1", expect = ACCEPTABLE, desc = "producer found the ring full: event 3 dropped and counted")
@Outcome(id = "1, 1, 2, 0", expect = FORBIDDEN, desc = "event 3 accepted but lost: the consumer's clear of the slot landed after the producer's write")
@Outcome(expect = FORBIDDEN, desc = "an event lost, duplicated, reordered or torn, or a drop not counted")
@State
public class EventRingDrainFreesSlotTest {
    private final EventRing ring = new EventRing(2);

    public EventRingDrainFreesSlotTest() {
        Sequence.offer(ring, 1);
        Sequence.offer(ring, 2);
    }

    @Actor
    public void consumer(IIII_Result r) {
        r.r1 = Sequence.drain(ring, 1).digits();
    }

    @Actor
    public void producer(IIII_Result r) {
        r.r2 = Sequence.offer(ring, 3) ? 1 : 0;
    }

    @Arbiter
    public void drainAfterBoth(IIII_Result r) {
        r.r3 = Sequence.drain(ring, 4).digits();
        r.r4 = (int) ring.dropped();
    }
}
