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
 * Two threads ask for 2 KiB each when 3 KiB are left: too little for a batch of credit, so both go
 * to the shared counter for exactly what they asked, and its CAS lets one of them in. The other
 * sweeps for dead threads' credit, finds none, and is refused.
 *
 * <p>r1 = buffers granted, r2 = bytes in buffers above what was there before, r3 = bytes left under
 * the limit on the shared counter.
 */
@JCStressTest
@Outcome(id = "1, 2048, 1024", expect = ACCEPTABLE, desc = "one reservation fits and gets in; the other is refused")
@Outcome(id = "2, .*", expect = FORBIDDEN, desc = "both got in: the buffers pass the limit")
@Outcome(expect = FORBIDDEN, desc = "a refusal with room left, or books that do not add up")
@State
public class TwoReservationsAtTheLimitTest {
    private static final long LEFT = 3 << 10;

    private final DirectMemoryLimit limit = Limits.withBytesLeft(LEFT);
    private boolean granted1;
    private boolean granted2;

    @Actor
    public void reserver1() {
        granted1 = limit.tryReserve(2 << 10);
    }

    @Actor
    public void reserver2() {
        granted2 = limit.tryReserve(2 << 10);
    }

    @Arbiter
    public void books(III_Result r) {
        r.r1 = (granted1 ? 1 : 0) + (granted2 ? 1 : 0);
        r.r2 = (int) (limit.reserved() - (Limits.LIMIT - LEFT));
        r.r3 = (int) (Limits.LIMIT - Limits.shared(limit));
    }
}
