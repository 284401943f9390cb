package dev.hakmem.concurrency.events;

import dev.hakmem.refill.spi.EventRing;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two producers offer one event each into a ring with room for both; a drain afterwards must see
 * each exactly once. The producers race on the CAS of the producer index: the loser retries on the
 * next index, it never shares a slot and never counts a drop.
 *
 * <p>r1 = what the drain saw ({@link Sequence} digits), r2 = {@code dropped()}, r3 = offers that
 * returned true.
 */
@JCStressTest
@Outcome(id = "12, 0, 2", expect = ACCEPTABLE, desc = "producer 1 claimed the first slot, producer 2 the next; both drained once")
@Outcome(id = "21, 0, 2", expect = ACCEPTABLE, desc = "producer 2 claimed the first slot, producer 1 the next; both drained once")
@Outcome(expect = FORBIDDEN, desc = "an event lost, drained twice, torn, or dropped although the ring had room")
@State
public class EventRingTwoProducersTest {
    private final EventRing ring = new EventRing(4);
    private boolean accepted1;
    private boolean accepted2;

    @Actor
    public void producer1() {
        accepted1 = Sequence.offer(ring, 1);
    }

    @Actor
    public void producer2() {
        accepted2 = Sequence.offer(ring, 2);
    }

    @Arbiter
    public void drainAfterBoth(III_Result r) {
        r.r1 = Sequence.drain(ring, 4).digits();
        r.r2 = (int) ring.dropped();
        r.r3 = (accepted1 ? 1 : 0) + (accepted2 ? 1 : 0);
    }
}
