package dev.hakmem.concurrency.refill;

import dev.hakmem.refill.LocalHeap;
import dev.hakmem.refill.RefillEngine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static dev.hakmem.concurrency.refill.OwnerHeaps.SIZE_CLASS;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Another thread frees a block of the owner's heap while the owner refills that block's class. The
 * free pushes the block onto the owner's queue with a CAS; the refill drains the queue first (one
 * getAndSet) and hands back the blocks of the wanted class. Either the refill drained the push and
 * returned the block, or it found the queue empty and took a free block from its span, and the
 * owner's next refill drains the block. Never neither, never both.
 *
 * <p>Both refills ask for one block, so a refill that drains returns exactly what it drained.
 *
 * <p>r1 = times the block was in the racing refill, r2 = times it was in the next refill.
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "free published before the owner's drain: the racing refill returned the block")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "free published after the owner's drain: the next refill returned the block")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "block lost: pushed but never drained")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "block returned twice")
@Outcome(expect = FORBIDDEN, desc = "a refill returned the block more than once")
@State
public class RemoteFreeVersusOwnerRefillTest {
    private static final RefillEngine ENGINE = OwnerHeaps.newEngine();
    private static final OwnerHeaps HEAPS = new OwnerHeaps(ENGINE);

    private final LocalHeap owner = HEAPS.borrow();
    private final long block = OwnerHeaps.allocate(owner, 1)[0];
    private final long[] racing = new long[1];
    private int racingCount;

    @Actor
    public void remoteFreer() {
        OwnerHeaps.freeRemotely(ENGINE, block);
    }

    @Actor
    public void owner(II_Result r) {
        racingCount = owner.refill(SIZE_CLASS, 1, racing, 0);
        r.r1 = OwnerHeaps.occurrences(racing, racingCount, block);
    }

    @Arbiter
    public void nextRefill(II_Result r) {
        long[] next = new long[1];
        int nextCount = owner.refill(SIZE_CLASS, 1, next, 0);
        r.r2 = OwnerHeaps.occurrences(next, nextCount, block);
        if (r.r1 + r.r2 == 1) {
            owner.flush(SIZE_CLASS, racing, 0, racingCount);
            owner.flush(SIZE_CLASS, next, 0, nextCount);
            HEAPS.giveBack(owner);
        }
    }
}
