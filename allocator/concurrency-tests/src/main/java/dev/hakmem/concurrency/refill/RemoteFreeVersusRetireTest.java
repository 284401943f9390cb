package dev.hakmem.concurrency.refill;

import dev.hakmem.refill.LocalHeap;
import dev.hakmem.refill.RefillEngine;
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
 * Another thread frees the last block out of a heap while the heap is retired (its thread gone,
 * its cache already flushed: the heap holds nothing but that block's span). The block has three
 * ways home, and must take exactly one:
 * <ol>
 *   <li>pushed before retire's first drain: back to its span, which is then empty and released;</li>
 *   <li>pushed after that drain but before retire closes the queue: the span, with the block still
 *       out, is adopted by the orphanage, and the close takes the block back into it;</li>
 *   <li>pushed after the close: the push fails, the freer finds the span's new owner, the orphanage,
 *       and returns the block under the engine's lock.</li>
 * </ol>
 * In every case the span ends empty and released, which the public API shows as a span with no
 * owner. A lost block leaves the span with the orphanage forever; a block returned twice trips
 * the span's free-set check ({@code IllegalStateException}, counted in r3).
 *
 * <p>Global statistics would not do as the observable: jcstress runs thousands of states of this
 * test at once against one engine. The span and the heap are this state's alone.
 *
 * <p>Retirement is final, so each state makes a heap and carves a span: the dearest state of these
 * tests, still a few microseconds.
 *
 * <p>r1 = 1 if the span was released (no owner), r2 = blocks retire's first drain took back
 * ({@code remoteDrained()}), r3 = {@code IllegalStateException}s thrown by the two actors.
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "free published before retire drained: block back to its span, span released with the heap")
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "free after retire drained: the close or the orphanage took the block, span released once empty")
@Outcome(id = {"0, 0, 0", "0, 1, 0"}, expect = FORBIDDEN, desc = "block lost: the span stays orphaned with a block out")
@Outcome(expect = FORBIDDEN, desc = "block returned twice or into a released span (an actor threw)")
@State
public class RemoteFreeVersusRetireTest {
    private static final RefillEngine ENGINE = OwnerHeaps.newEngine();

    private final LocalHeap owner = ENGINE.newHeap();
    private final long block = OwnerHeaps.allocate(owner, 1)[0];
    private final Span span = ENGINE.spanOf(block);
    private int freerThrew;
    private int ownerThrew;

    @Actor
    public void remoteFreer() {
        try {
            OwnerHeaps.freeRemotely(ENGINE, block);
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
