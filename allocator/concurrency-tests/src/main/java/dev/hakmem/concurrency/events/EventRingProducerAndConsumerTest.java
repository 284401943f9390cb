package dev.hakmem.concurrency.events;

import dev.hakmem.refill.spi.EventRing;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A producer offers event 1 then event 2 while the consumer drains; a second drain afterwards
 * picks up the rest. The consumer reads a slot with acquire and stops at the first empty one, so
 * what it saw is always a prefix, in order, of what was offered, and the two drains together see
 * each event exactly once.
 *
 * <p>r1 = what the concurrent drain saw, r2 = what the drain afterwards saw ({@link Sequence} digits).
 */
@JCStressTest
@Outcome(id = "0, 12", expect = ACCEPTABLE, desc = "drain ran before event 1 was published; both seen by the next drain")
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "drain saw event 1, event 2 was published after it looked; the next drain sees 2")
@Outcome(id = "12, 0", expect = ACCEPTABLE, desc = "drain saw both events, in publication order")
@Outcome(id = "2, 1", expect = FORBIDDEN, desc = "drain skipped a slot or reordered: event 2 seen before event 1")
@Outcome(expect = FORBIDDEN, desc = "an event lost, drained twice or torn")
@State
public class EventRingProducerAndConsumerTest {
    private final EventRing ring = new EventRing(4);

    @Actor
    public void producer() {
        Sequence.offer(ring, 1);
        Sequence.offer(ring, 2);
    }

    @Actor
    public void consumer(II_Result r) {
        r.r1 = Sequence.drain(ring, 4).digits();
    }

    @Arbiter
    public void drainAfterBoth(II_Result r) {
        r.r2 = Sequence.drain(ring, 4).digits();
    }
}
