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
 * Two producers race for the last free slot of a ring of capacity 2 that already holds event 3:
 * one wins it, the other finds the ring full, drops its event and counts the drop. Offered equals
 * drained plus dropped; the ring never holds more than its capacity.
 *
 * <p>r1, r2 = producer 1's and 2's account ({@link Sequence#account}: 1 accepted and drained once,
 * 0 dropped and never drained, -1 neither), r3 = {@code dropped()}, r4 = times event 3 was drained.
 */
@JCStressTest
@Outcome(id = "1, 0, 1, 1", expect = ACCEPTABLE, desc = "producer 1 took the last slot; producer 2 found the ring full, its drop counted")
@Outcome(id = "0, 1, 1, 1", expect = ACCEPTABLE, desc = "producer 2 took the last slot; producer 1 found the ring full, its drop counted")
@Outcome(expect = FORBIDDEN, desc = "overfilled, lost, duplicated or uncounted: offered != drained + dropped")
@State
public class EventRingLastSlotTest {
    private final EventRing ring = new EventRing(2);
    private boolean accepted1;
    private boolean accepted2;

    public EventRingLastSlotTest() {
        Sequence.offer(ring, 3);
    }

    @Actor
    public void producer1() {
        accepted1 = Sequence.offer(ring, 1);
    }

    @Actor
    public void producer2() {
        accepted2 = Sequence.offer(ring, 2);
    }

    @Arbiter
    public void drainAfterBoth(IIII_Result r) {
        Sequence seen = Sequence.drain(ring, 4);
        r.r1 = seen.account(1, accepted1);
        r.r2 = seen.account(2, accepted2);
        r.r3 = (int) ring.dropped();
        r.r4 = seen.timesSeen(3);
    }
}
