package dev.hakmem.concurrency.refill;

import dev.hakmem.refill.LocalHeap;
import dev.hakmem.refill.RefillEngine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

import static dev.hakmem.concurrency.refill.OwnerHeaps.SIZE_CLASS;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * As {@link RemoteFreeVersusOwnerDrainTest}, with the remote side handing over two blocks as one
 * node of the stack of batches ({@link LocalHeap#pushRemoteChain}, what a batch takes when the
 * owner's inbox is full): the node's contents and link are written before the CAS that publishes
 * it, so a drain that takes the node must find both blocks, and a batch is never split between two drains.
 *
 * <p>r1, r2 = times the chain's first and second block were in the racing refill; r3, r4 = in the
 * next refill; r5 = times the earlier block was in the racing refill.
 */
@JCStressTest
@Outcome(id = "1, 1, 0, 0, 1", expect = ACCEPTABLE, desc = "chain pushed before the drain's swap: the racing refill took all three blocks")
@Outcome(id = "0, 0, 1, 1, 1", expect = ACCEPTABLE, desc = "chain pushed after the swap: the racing refill took the earlier block, the next refill the chain")
@Outcome(id = {"1, 0, 0, 1, 1", "0, 1, 1, 0, 1"}, expect = FORBIDDEN, desc = "a chain split between two drains")
@Outcome(expect = FORBIDDEN, desc = "a block lost or returned twice")
@State
public class ChainedRemoteFreeVersusOwnerDrainTest {
    private static final RefillEngine ENGINE = OwnerHeaps.newEngine();
    private static final OwnerHeaps HEAPS = new OwnerHeaps(ENGINE);

    private final LocalHeap owner = HEAPS.borrow();
    private final long[] blocks = OwnerHeaps.allocate(owner, 3);
    private final long earlier = blocks[0];
    private final long[] chain = {blocks[1], blocks[2]};
    private final long[] racing = new long[3];
    private int racingCount;

    public ChainedRemoteFreeVersusOwnerDrainTest() {
        OwnerHeaps.freeRemotely(ENGINE, earlier);
        for (long block : chain) {
            OwnerHeaps.release(ENGINE, block);
        }
    }

    @Actor
    public void remoteFreer() {
        if (!owner.pushRemoteChain(chain, chain.length)) {
            throw new IllegalStateException("test bug: the owner heap has retired");
        }
    }

    @Actor
    public void owner(IIIII_Result r) {
        racingCount = owner.refill(SIZE_CLASS, racing.length, racing, 0);
        r.r1 = OwnerHeaps.occurrences(racing, racingCount, chain[0]);
        r.r2 = OwnerHeaps.occurrences(racing, racingCount, chain[1]);
        r.r5 = OwnerHeaps.occurrences(racing, racingCount, earlier);
    }

    @Arbiter
    public void nextRefill(IIIII_Result r) {
        long[] next = new long[3];
        int nextCount = owner.refill(SIZE_CLASS, next.length, next, 0);
        r.r3 = OwnerHeaps.occurrences(next, nextCount, chain[0]);
        r.r4 = OwnerHeaps.occurrences(next, nextCount, chain[1]);
        boolean once = r.r1 + r.r3 == 1 && r.r2 + r.r4 == 1 && r.r5 == 1 && OwnerHeaps.occurrences(next, nextCount, earlier) == 0;
        if (once) {
            owner.flush(SIZE_CLASS, racing, 0, racingCount);
            owner.flush(SIZE_CLASS, next, 0, nextCount);
            HEAPS.giveBack(owner);
        }
    }
}
