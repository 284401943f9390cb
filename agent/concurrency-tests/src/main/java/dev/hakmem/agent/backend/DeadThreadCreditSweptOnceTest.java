package dev.hakmem.agent.backend;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A thread took a batch of credit for one 1 KiB buffer and died holding the other 7 KiB. Two
 * threads are then refused a request larger than what is left, and before refusing each sweeps
 * every registered holder for dead threads' credit: both meet the dead thread's holder, and its
 * credit must go back to the shared counter exactly once ({@code poll} hands a holder to one
 * sweeper). Returned twice, the counter would fall below the bytes still in buffers.
 *
 * <p>r1 = requests granted, r2 = bytes in buffers, r3 = bytes on the shared counter.
 */
@JCStressTest
@Outcome(id = "0, 1024, 1024", expect = ACCEPTABLE, desc = "the dead thread's credit came back once; only its buffer is counted")
@Outcome(id = "0, 1024, 8192", expect = FORBIDDEN, desc = "the dead thread's credit was never taken back")
@Outcome(expect = FORBIDDEN, desc = "credit returned twice, or books that do not add up")
@State
public class DeadThreadCreditSweptOnceTest {
    private final DirectMemoryLimit limit = Limits.withBytesLeft(Limits.LIMIT);
    private boolean granted1;
    private boolean granted2;

    public DeadThreadCreditSweptOnceTest() {
        Thread holder = Thread.ofPlatform().start(() -> {
            if (!limit.tryReserve(1 << 10)) {
                throw new IllegalStateException("an empty limit refused 1 KiB");
            }
        });
        try {
            holder.join(); // orders the dead thread's credit before the actors' sweeps
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Actor
    public void refused1() {
        granted1 = limit.tryReserve(Limits.LIMIT);
    }

    @Actor
    public void refused2() {
        granted2 = limit.tryReserve(Limits.LIMIT);
    }

    @Arbiter
    public void books(III_Result r) {
        r.r1 = (granted1 ? 1 : 0) + (granted2 ? 1 : 0);
        r.r2 = (int) limit.reserved();
        r.r3 = (int) Limits.shared(limit);
    }
}
