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
 * Two producers offer one event each while the consumer drains; a drain afterwards picks up the
 * rest. Each event is seen exactly once in all, and the concurrent drain sees a prefix of the
 * claim order: a producer that claimed a slot but has not written it yet stops the drain there,
 * even if the other producer's later slot is already written.
 *
 * <p>Three actors: jcstress runs this only on three or more CPUs ({@link EventRingTwoProducersTest}
 * and {@link EventRingProducerAndConsumerTest} split it into two-actor races that run everywhere).
 *
 * <p>r1 = what the concurrent drain saw, r2 = what the drain afterwards saw ({@link Sequence} digits).
 */
@JCStressTest
@Outcome(id = {"0, 12", "0, 21"}, expect = ACCEPTABLE, desc = "drain found the first claimed slot not yet written; both seen afterwards")
@Outcome(id = {"1, 2", "2, 1"}, expect = ACCEPTABLE, desc = "drain saw the first claimed event; the other was published after it looked")
@Outcome(id = {"12, 0", "21, 0"}, expect = ACCEPTABLE, desc = "drain saw both events, in claim order")
@Outcome(expect = FORBIDDEN, desc = "an event lost, drained twice or torn")
@State
public class EventRingTwoProducersOneConsumerTest {
    private final EventRing ring = new EventRing(4);

    @Actor
    public void producer1() {
        Sequence.offer(ring, 1);
    }

    @Actor
    public void producer2() {
        Sequence.offer(ring, 2);
    }

    @Actor
    public void consumer(II_Result r) {
        r.r1 = Sequence.drain(ring, 4).digits();
    }

    @Arbiter
    public void drainAfterAll(II_Result r) {
        r.r2 = Sequence.drain(ring, 4).digits();
    }
}
