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
 * As {@link RemoteFreeVersusOwnerRefillTest}, but the owner's queue already holds an earlier remote
 * free, so the owner's refill never takes the empty-queue shortcut: the push's CAS races the
 * drain's getAndSet itself. The drain takes the earlier block, and the new one too if its push came
 * first; a push that lands between a read of the head and a separate reset would be lost.
 *
 * <p>r1 = times the new block was in the racing refill, r2 = times it was in the next refill,
 * r3 = times the earlier block was in the racing refill.
 */
@JCStressTest
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "push before the drain's swap: the racing refill took both blocks")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "push after the drain's swap: the racing refill took the earlier block, the next refill the new one")
@Outcome(id = {"0, 0, 1", "0, 0, 0"}, expect = FORBIDDEN, desc = "new block lost: pushed but never drained")
@Outcome(expect = FORBIDDEN, desc = "a block lost or returned twice")
@State
public class RemoteFreeVersusOwnerDrainTest {
    private static final RefillEngine ENGINE = OwnerHeaps.newEngine();
    private static final OwnerHeaps HEAPS = new OwnerHeaps(ENGINE);

    private final LocalHeap owner = HEAPS.borrow();
    private final long[] blocks = OwnerHeaps.allocate(owner, 2);
    private final long earlier = blocks[0];
    private final long block = blocks[1];
    private final long[] racing = new long[2];
    private int racingCount;

    public RemoteFreeVersusOwnerDrainTest() {
        OwnerHeaps.freeRemotely(ENGINE, earlier);
    }

    @Actor
    public void remoteFreer() {
        OwnerHeaps.freeRemotely(ENGINE, block);
    }

    @Actor
    public void owner(III_Result r) {
        racingCount = owner.refill(SIZE_CLASS, racing.length, racing, 0);
        r.r1 = OwnerHeaps.occurrences(racing, racingCount, block);
        r.r3 = OwnerHeaps.occurrences(racing, racingCount, earlier);
    }

    @Arbiter
    public void nextRefill(III_Result r) {
        long[] next = new long[2];
        int nextCount = owner.refill(SIZE_CLASS, next.length, next, 0);
        r.r2 = OwnerHeaps.occurrences(next, nextCount, block);
        if (r.r1 + r.r2 == 1 && r.r3 == 1 && OwnerHeaps.occurrences(next, nextCount, earlier) == 0) {
            owner.flush(SIZE_CLASS, racing, 0, racingCount);
            owner.flush(SIZE_CLASS, next, 0, nextCount);
            HEAPS.giveBack(owner);
        }
    }
}
