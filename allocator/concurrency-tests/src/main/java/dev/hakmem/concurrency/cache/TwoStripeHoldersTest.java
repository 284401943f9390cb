package dev.hakmem.concurrency.cache;

import dev.hakmem.refill.spi.EventRing;
import dev.hakmem.refill.spi.PolicySource;
import dev.hakmem.cache.ThreadCache;
import dev.hakmem.cache.ThreadCaches;
import dev.hakmem.refill.RefillEngine;
import dev.hakmem.refill.RefillSettings;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two virtual threads whose ids lead to the same stripe take one at once: the first free stripe is
 * the same for both, so its hold CAS decides, and the loser must move on to the other stripe. Two
 * holders of one stripe would push and pop the same cache stacks without any synchronisation.
 *
 * <p>The actors keep their stripes; the arbiter compares and releases them. r1 = 1 if the two
 * stripes differ.
 */
@JCStressTest
@Outcome(id = "1", expect = ACCEPTABLE, desc = "each holder has a stripe of its own")
@Outcome(expect = FORBIDDEN, desc = "both hold the same stripe: one cache used by two threads at once")
@State
public class TwoStripeHoldersTest {
    /** Same id modulo the two stripes: both start their search at the same stripe. */
    private static final long THREAD_ID = 7;
    private static final RefillEngine ENGINE = RefillEngine.create(RefillSettings.defaults(), new EventRing(1024),
            new PolicySource(RefillEngine.defaultPolicy()));

    private final ThreadCaches caches = new ThreadCaches(ENGINE, 2, 0);
    private ThreadCache first;
    private ThreadCache second;

    @Actor
    public void holder1() {
        first = caches.acquireStripe(THREAD_ID);
    }

    @Actor
    public void holder2() {
        second = caches.acquireStripe(THREAD_ID);
    }

    @Arbiter
    public void compare(I_Result r) {
        r.r1 = first != second ? 1 : 0;
        caches.releaseStripe(first);
        if (second != first) {
            caches.releaseStripe(second);
        }
    }
}
