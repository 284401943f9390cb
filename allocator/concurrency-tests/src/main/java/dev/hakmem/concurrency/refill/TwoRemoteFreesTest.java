package dev.hakmem.concurrency.refill;

import dev.hakmem.refill.LocalHeap;
import dev.hakmem.refill.RefillEngine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static dev.hakmem.concurrency.refill.OwnerHeaps.SIZE_CLASS;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two threads free one block each of the same owner at once: both CAS onto the owner's queue, the
 * loser re-reads the head, links its block to the winner's and retries. The owner's next refill
 * drains both, each exactly once; the queue is a stack, so the block pushed first comes out last.
 *
 * <p>r1, r2 = times block 1 and block 2 came back, r3 = which freer pushed first (the block drained
 * last), 0 if the drain did not return exactly two blocks.
 */
@JCStressTest
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "freer 1 pushed first, freer 2 linked on top of it; both drained once")
@Outcome(id = "1, 1, 2", expect = ACCEPTABLE, desc = "freer 2 pushed first, freer 1 linked on top of it; both drained once")
@Outcome(expect = FORBIDDEN, desc = "a block lost (an overwritten head or link) or drained twice")
@State
public class TwoRemoteFreesTest {
    private static final RefillEngine ENGINE = OwnerHeaps.newEngine();
    private static final OwnerHeaps HEAPS = new OwnerHeaps(ENGINE);

    private final LocalHeap owner = HEAPS.borrow();
    private final long[] blocks = OwnerHeaps.allocate(owner, 2);

    @Actor
    public void remoteFreer1() {
        OwnerHeaps.freeRemotely(ENGINE, blocks[0]);
    }

    @Actor
    public void remoteFreer2() {
        OwnerHeaps.freeRemotely(ENGINE, blocks[1]);
    }

    @Arbiter
    public void ownerDrains(III_Result r) {
        long[] drained = new long[4];
        int count = owner.refill(SIZE_CLASS, drained.length, drained, 0);
        r.r1 = OwnerHeaps.occurrences(drained, count, blocks[0]);
        r.r2 = OwnerHeaps.occurrences(drained, count, blocks[1]);
        r.r3 = count != 2 ? 0 : drained[1] == blocks[0] ? 1 : 2;
        if (r.r1 == 1 && r.r2 == 1 && count == 2) {
            owner.flush(SIZE_CLASS, drained, 0, count);
            HEAPS.giveBack(owner);
        }
    }
}
