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
 * Two threads without credit ask for 2 KiB each when 10 KiB are left: each first tries to take a
 * batch of credit (8 KiB) from the shared counter, and there is room for one batch only. The CAS
 * gives it to one thread, which serves its buffer from it; the other finds the batch no longer fits
 * and takes exactly its 2 KiB. Both get in, and the shared counter reaches the limit, never more.
 *
 * <p>r1 = buffers granted, r2 = bytes in buffers above what was there before, r3 = bytes left under
 * the limit on the shared counter (negative: passed).
 */
@JCStressTest
@Outcome(id = "2, 4096, 0", expect = ACCEPTABLE, desc = "one batch of credit and one exact reservation: the limit is reached")
@Outcome(id = "2, 4096, -.*", expect = FORBIDDEN, desc = "two batches taken: the shared counter passed the limit")
@Outcome(expect = FORBIDDEN, desc = "a refusal with room left, or books that do not add up")
@State
public class TwoCreditBatchesAtTheLimitTest {
    private static final long LEFT = 10 << 10;

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
