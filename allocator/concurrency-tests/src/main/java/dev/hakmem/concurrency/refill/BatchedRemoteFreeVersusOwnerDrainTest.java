package dev.hakmem.concurrency.refill;

import dev.hakmem.refill.LocalHeap;
import dev.hakmem.refill.RefillEngine;
import dev.hakmem.refill.RemoteFreeBuffer;
import dev.hakmem.refill.Span;
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
 * A freer gathers two of the owner's blocks in a {@link RemoteFreeBuffer} and hands them to the
 * owner's inbox (one CAS claims two slots, then each slot is stored), while the owner drains an
 * earlier block in a refill. The racing drain may see none, one or both of the batch (it stops at
 * the first slot not yet stored), and every block comes back exactly once across the racing and
 * the next refill.
 *
 * <p>r1 = batched blocks in the racing refill, r2 = batched blocks in the next refill,
 * r3 = times the earlier block came back in either.
 */
@JCStressTest
@Outcome(id = "2, 0, 1", expect = ACCEPTABLE, desc = "both slots stored before the drain read them: the racing refill took the batch")
@Outcome(id = "0, 2, 1", expect = ACCEPTABLE, desc = "the batch arrived after the racing drain: the next refill took it")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the drain met the first slot stored and the second not yet: one now, one next time")
@Outcome(id = {"1, 0, 1", "0, 1, 1"}, expect = FORBIDDEN, desc = "a block of the batch lost")
@Outcome(expect = FORBIDDEN, desc = "a block lost or returned twice")
@State
public class BatchedRemoteFreeVersusOwnerDrainTest {
    private static final RefillEngine ENGINE = OwnerHeaps.newEngine();
    private static final OwnerHeaps HEAPS = new OwnerHeaps(ENGINE);

    private final LocalHeap owner = HEAPS.borrow();
    private final long[] blocks = OwnerHeaps.allocate(owner, 3);
    private final long earlier = blocks[0];
    private final RemoteFreeBuffer buffer = new RemoteFreeBuffer(ENGINE);
    private final long[] racing = new long[4];
    private int racingCount;

    public BatchedRemoteFreeVersusOwnerDrainTest() {
        OwnerHeaps.freeRemotely(ENGINE, earlier);
    }

    @Actor
    public void batchingFreer() {
        for (int i = 1; i <= 2; i++) {
            Span span = ENGINE.spanOf(blocks[i]);
            span.release(blocks[i]);
            buffer.add(span, blocks[i]);
        }
        buffer.flush();
    }

    @Actor
    public void owner() {
        racingCount = owner.refill(SIZE_CLASS, racing.length, racing, 0);
    }

    @Arbiter
    public void nextRefill(III_Result r) {
        long[] next = new long[4];
        int nextCount = owner.refill(SIZE_CLASS, next.length, next, 0);
        r.r1 = OwnerHeaps.occurrences(racing, racingCount, blocks[1]) + OwnerHeaps.occurrences(racing, racingCount, blocks[2]);
        r.r2 = OwnerHeaps.occurrences(next, nextCount, blocks[1]) + OwnerHeaps.occurrences(next, nextCount, blocks[2]);
        r.r3 = OwnerHeaps.occurrences(racing, racingCount, earlier) + OwnerHeaps.occurrences(next, nextCount, earlier);
        if (r.r1 + r.r2 == 2 && r.r3 == 1) {
            owner.flush(SIZE_CLASS, racing, 0, racingCount);
            owner.flush(SIZE_CLASS, next, 0, nextCount);
            HEAPS.giveBack(owner);
        }
    }
}
