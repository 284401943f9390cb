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
 * Three producers offer one event each into an empty ring of capacity 2: two get a slot, one finds
 * the ring full and counts a drop. Offered (3) equals drained (2) plus dropped (1).
 *
 * <p>Three actors: jcstress runs this only on three or more CPUs ({@link EventRingLastSlotTest} is
 * the same race for the last slot with two actors).
 *
 * <p>r1, r2, r3 = each producer's account ({@link Sequence#account}: 1 accepted and drained once,
 * 0 dropped and never drained, -1 neither), r4 = {@code dropped()}.
 */
@JCStressTest
@Outcome(id = "1, 1, 0, 1", expect = ACCEPTABLE, desc = "producers 1 and 2 got the slots; producer 3's drop counted")
@Outcome(id = "1, 0, 1, 1", expect = ACCEPTABLE, desc = "producers 1 and 3 got the slots; producer 2's drop counted")
@Outcome(id = "0, 1, 1, 1", expect = ACCEPTABLE, desc = "producers 2 and 3 got the slots; producer 1's drop counted")
@Outcome(expect = FORBIDDEN, desc = "overfilled, lost, duplicated or uncounted: offered != drained + dropped")
@State
public class EventRingThreeProducersTest {
    private final EventRing ring = new EventRing(2);
    private boolean accepted1;
    private boolean accepted2;
    private boolean accepted3;

    @Actor
    public void producer1() {
        accepted1 = Sequence.offer(ring, 1);
    }

    @Actor
    public void producer2() {
        accepted2 = Sequence.offer(ring, 2);
    }

    @Actor
    public void producer3() {
        accepted3 = Sequence.offer(ring, 3);
    }

    @Arbiter
    public void drainAfterAll(IIII_Result r) {
        Sequence seen = Sequence.drain(ring, 4);
        r.r1 = seen.account(1, accepted1);
        r.r2 = seen.account(2, accepted2);
        r.r3 = seen.account(3, accepted3);
        r.r4 = (int) ring.dropped();
    }
}
