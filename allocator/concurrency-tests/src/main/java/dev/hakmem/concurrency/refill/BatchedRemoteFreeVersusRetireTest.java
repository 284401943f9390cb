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

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The batched path against retirement: a freer hands one of the owner's blocks to the owner's inbox
 * (via a {@link RemoteFreeBuffer}) while the owner retires. The block has three ways home, and must
 * take exactly one: the inbox before retire's first drain (back to its span, released with the heap);
 * the inbox after that drain but before the close (retire waits for the claimed slot to be stored,
 * then takes the block into the orphaned span); or after the close, when the offer fails and the freer
 * finds the orphanage. In every case the span ends empty and released (no owner). A lost block leaves
 * the span with the orphanage forever; a block returned twice trips the span's free-set check.
 *
 * <p>r1 = 1 if the span was released, r2 = blocks retire's first drain took back, r3 = exceptions.
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "batch in the inbox before retire drained: block back to its span, span released with the heap")
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "batch after retire drained: the close or the orphanage took the block, span released once empty")
@Outcome(id = {"0, 0, 0", "0, 1, 0"}, expect = FORBIDDEN, desc = "block lost: the span stays orphaned with a block out")
@Outcome(expect = FORBIDDEN, desc = "block returned twice or into a released span (an actor threw)")
@State
public class BatchedRemoteFreeVersusRetireTest {
    private static final RefillEngine ENGINE = OwnerHeaps.newEngine();

    private final LocalHeap owner = ENGINE.newHeap();
    private final long block = OwnerHeaps.allocate(owner, 1)[0];
    private final Span span = ENGINE.spanOf(block);
    private final RemoteFreeBuffer buffer = new RemoteFreeBuffer(ENGINE);
    private int freerThrew;
    private int ownerThrew;

    @Actor
    public void batchingFreer() {
        try {
            span.release(block);
            buffer.add(span, block);
            buffer.flush();
        } catch (IllegalStateException e) {
            freerThrew = 1;
        }
    }

    @Actor
    public void retire() {
        try {
            owner.retire();
        } catch (IllegalStateException e) {
            ownerThrew = 1;
        }
    }

    @Arbiter
    public void whereTheBlockEnded(III_Result r) {
        r.r1 = span.owner() == null ? 1 : 0;
        r.r2 = (int) owner.remoteDrained();
        r.r3 = freerThrew + ownerThrew;
    }
}
