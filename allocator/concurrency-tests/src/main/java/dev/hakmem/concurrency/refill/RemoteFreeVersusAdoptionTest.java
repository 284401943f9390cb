package dev.hakmem.concurrency.refill;

import dev.hakmem.refill.LocalHeap;
import dev.hakmem.refill.MemoryRoute;
import dev.hakmem.refill.RefillEngine;
import dev.hakmem.refill.RefillSettings;
import dev.hakmem.refill.RefillStats;
import dev.hakmem.refill.Span;
import dev.hakmem.refill.spi.EventRing;
import dev.hakmem.refill.spi.PolicySource;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A thread frees the block a dead thread left out of its span (an orphan, which still has free
 * blocks) while another thread's refill adopts that span. The free reads the orphanage as the
 * owner, then takes the engine's lock to return the block; the adoption changes the owner under
 * the same lock, after which the span's free set is the new owner's alone. The block must come home
 * exactly once:
 * <ol>
 *   <li>freed before the adoption: into the orphan under the lock (an orphan free), and the
 *       adopting refill may hand it out again at once;</li>
 *   <li>freed after: the free finds the new owner, under the lock or already on its first read,
 *       and queues the block for it.</li>
 * </ol>
 * The arbiter then gives everything back (frees the dead thread's other block, which kept the orphan
 * from emptying, drains the heir's queue, returns the heir's block, retires the heir):
 * the span must end empty and released. A lost block leaves it with the orphanage; a block returned
 * twice, or a free set written by two threads at once, trips the span's free-set check (an
 * {@code IllegalStateException}, counted in r4) or the engine's invariants (r3).
 *
 * <p><b>An engine per state.</b> Orphans wait in one list per class and engine, and a refill adopts
 * the first: with one engine for the test class, a state's heir would adopt another state's orphan.
 * Each state maps one 64 KiB chunk on the arena route (no file, no purger thread) and the arbiter
 * closes it: dearer than the other tests' states, still microseconds.
 *
 * <p>r1 = orphan frees (1 if the free came first), r2 = 1 if the heir's refill adopted the orphan,
 * r3 = spans left plus invariant violations after everything came back, r4 = exceptions thrown.
 */
@JCStressTest
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE, desc = "free before the adoption: into the orphan, then adopted with it")
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "free after the adoption: queued for the heir")
@Outcome(expect = FORBIDDEN, desc = "not adopted, a block lost or returned twice, or the books wrong")
@State
public class RemoteFreeVersusAdoptionTest {
    private static final long CHUNK = 64 * 1024;

    private final RefillEngine engine = RefillEngine.create(
            new RefillSettings(CHUNK, CHUNK, 0, 0, 0, Long.MAX_VALUE, MemoryRoute.ARENA, 0, 0),
            new EventRing(16), new PolicySource(RefillEngine.defaultPolicy()));
    private final long block;
    /** A second block out, so the orphan never empties (and goes back) before the adoption. */
    private final long anchor;
    private final Span orphan;
    private final LocalHeap heir = engine.newHeap();
    private final long[] heirs = new long[1];
    private int heirTook;
    private int freerThrew;
    private int heirThrew;

    public RemoteFreeVersusAdoptionTest() {
        LocalHeap dying = engine.newHeap();
        long[] out = OwnerHeaps.allocate(dying, 2);
        block = out[0];
        anchor = out[1];
        orphan = engine.spanOf(block);
        dying.retire(); // the span keeps its other blocks free: it waits for adoption
    }

    @Actor
    public void remoteFreer() {
        try {
            OwnerHeaps.freeRemotely(engine, block);
        } catch (IllegalStateException e) {
            freerThrew = 1;
        }
    }

    @Actor
    public void heirRefills() {
        try {
            heirTook = heir.refill(OwnerHeaps.SIZE_CLASS, 1, heirs, 0);
        } catch (IllegalStateException e) {
            heirThrew = 1;
        }
    }

    @Arbiter
    public void whereTheBlockEnded(IIII_Result r) {
        RefillStats before = engine.stats();
        r.r1 = (int) before.orphanFrees();
        r.r2 = heirTook == 1 && engine.spanOf(heirs[0]) == orphan && before.orphansAdopted() == 1 ? 1 : 0;
        int left;
        try {
            OwnerHeaps.freeRemotely(engine, anchor);
            heir.drainRemote();
            heir.flush(OwnerHeaps.SIZE_CLASS, heirs, 0, heirTook);
            heir.retire();
            left = engine.stats().spans() + engine.checkInvariants().size();
        } catch (IllegalStateException e) {
            heirThrew = 1;
            left = -1;
        } finally {
            engine.close();
        }
        r.r3 = left;
        r.r4 = freerThrew + heirThrew;
    }
}
