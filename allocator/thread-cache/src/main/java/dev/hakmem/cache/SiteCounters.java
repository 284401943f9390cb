package dev.hakmem.cache;

import java.util.Arrays;

/**
 * Allocations per call site, kept by one cache (so written by one thread at a time, with plain
 * stores) and summed across caches when someone asks. Site ids are small positive integers handed
 * out densely (the agent numbers call sites from 1); the table grows to the largest id seen.
 *
 * <p>Frees are not counted: a free only turns its block's site entry negative, and what a site
 * holds is counted from those entries when someone asks ({@code RefillEngine.tallyLiveSites}), so
 * frees = allocations - live. That keeps counters off the free path: 6–13% of an {@code Unsafe}
 * allocate + free through the agent.
 *
 * <p>One small object per site this cache has counted, found by {@code table[site]}: a count is one
 * range check, one null check and two field increments, with no index arithmetic for C2 to bound;
 * and a cache pays memory only for the sites its thread touches (4 bytes per table slot otherwise).
 *
 * <p>Each counter also knows at which of its bytes its site's next sample falls ({@link SiteSampling}):
 * a compare with the sum the count writes anyway; the sample itself is taken by the caller on its
 * cold path ({@link #sampled}).
 */
public final class SiteCounters {
    private final SiteSampling sampling;
    private Counter[] table = new Counter[0];

    private static final class Counter {
        long allocations;
        long bytesAllocated;
        /**
         * The allocation that takes {@link #bytesAllocated} past this leaves the hit path for
         * {@link #sampled} ({@link #FIRST}: the first one): the site's next sample, or
         * {@link #ALWAYS} for a long-lived site, whose every allocation is placed on the cold path.
         */
        long sampleAfter;
        /** A long-lived site's next sample (its {@link #sampleAfter} is {@link #ALWAYS}). */
        long longLivedSampleAfter;
        /** The site's long-lived lane ({@code LocalHeap.LONG_LIVED_LANES}), or {@link #SHORT_LIVED}. */
        int lane = SHORT_LIVED;

        boolean longLived() {
            return lane != SHORT_LIVED;
        }
    }

    /** {@link Counter#sampleAfter} of a long-lived site: every allocation of it takes the cold path. */
    private static final long ALWAYS = Long.MIN_VALUE;
    /** The lane of a site placed with the others. */
    static final int SHORT_LIVED = -1;

    /** {@link Counter#sampleAfter} of a counter whose first allocation is to be sampled: no count reaches 0 before it. */
    private static final long FIRST = -1;

    /** @param sampling where samples go; counters that only sum others' ({@link #addTo}) never sample */
    SiteCounters(SiteSampling sampling) {
        this.sampling = sampling;
    }

    /** @return true if this allocation is to be sampled: then the caller calls {@link #sampled} */
    boolean allocated(int site, long bytes) {
        Counter c = counter(site);
        c.allocations++;
        // compared with the sum this count writes anyway: no store of its own
        return (c.bytesAllocated += bytes) > c.sampleAfter;
    }

    /**
     * The cold path of an allocation {@link #allocated} chose: draws the site's next countdown and
     * tells the sampler, which may move the block to another site (its count moves with it).
     *
     * @return the site the block is to carry
     */
    int sampled(long address, int site, long bytes) {
        Counter c = counter(site);
        SiteSampler sampler = sampling.sampler();
        if (sampler == null) {
            arm(c, c.bytesAllocated + sampling.idleCountdown());
            return site;
        }
        boolean first = c.sampleAfter == FIRST;
        arm(c, c.bytesAllocated + sampling.nextCountdown());
        int chosen;
        try {
            chosen = sampler.sampled(address, bytes, site, first);
        } catch (RuntimeException | Error e) {
            // a sampler that fails (even out of memory) must not fail the allocation it was told about
            return site;
        }
        if (chosen <= 0 || chosen == site) {
            return site;
        }
        c.allocations--;
        c.bytesAllocated -= bytes;
        arm(c, (c.longLived() ? c.longLivedSampleAfter : c.sampleAfter) - bytes);
        // not counter(): a path id is new to this cache at its first sample, and if that miss showed in
        // counter()'s profile, C2 would compile the call to counterOf into every allocation it inlines
        // counter() into, and allocate around it with fewer registers
        Counter moved = counterOf(chosen);
        moved.allocations++;
        moved.bytesAllocated += bytes;
        return chosen;
    }

    private static void arm(Counter c, long nextSample) {
        if (c.longLived()) {
            c.longLivedSampleAfter = nextSample;
            c.sampleAfter = ALWAYS;
        } else {
            c.sampleAfter = nextSample;
        }
    }

    /** The long-lived lane {@code site} is placed in ({@link #allocated} sent it here for that), or {@link #SHORT_LIVED}. */
    int lane(int site) {
        Counter c = get(site);
        return c == null ? SHORT_LIVED : c.lane;
    }

    /** For a long-lived site on the cold path: whether this allocation is also its next sample. */
    boolean sampleDue(int site) {
        Counter c = get(site);
        return c != null && c.bytesAllocated > c.longLivedSampleAfter;
    }

    /** Gives each counted site the lane {@code laneOf} says ({@link #SHORT_LIVED} or a long-lived one; a new policy, at a refill). */
    void reclassify(java.util.function.IntUnaryOperator laneOf) {
        Counter[] t = table;
        for (int site = 1; site < t.length; site++) {
            Counter c = t[site];
            if (c != null) {
                classify(c, laneOf.applyAsInt(site));
            }
        }
        this.laneOf = laneOf;
    }

    private static void classify(Counter c, int lane) {
        boolean wasLongLived = c.longLived();
        long next = wasLongLived ? c.longLivedSampleAfter : c.sampleAfter;
        c.lane = lane;
        if (c.longLived()) {
            c.longLivedSampleAfter = next;
            c.sampleAfter = ALWAYS;
        } else {
            c.sampleAfter = next;
        }
    }

    /** The classification last given by {@link #reclassify}, for sites counted after it; null before any. */
    private java.util.function.IntUnaryOperator laneOf;

    private Counter counter(int site) {
        Counter[] t = table;
        // the unsigned compare is the array's own range check: C2 keeps only this one
        Counter c = Integer.compareUnsigned(site, t.length) < 0 ? t[site] : null;
        return c != null ? c : counterOf(site);
    }

    /** The slow path of a site this cache has not counted yet. */
    private Counter counterOf(int site) {
        if (site <= 0) {
            throw new IllegalArgumentException("site ids start at 1, got " + site);
        }
        Counter[] t = table;
        if (site >= t.length) {
            t = Arrays.copyOf(t, Math.max(site + 1, 2 * t.length));
            table = t;
        }
        Counter c = t[site];
        if (c == null) {
            c = new Counter();
            c.sampleAfter = sampling == null ? Long.MAX_VALUE
                    : sampling.sampler() != null || sampling.watchesLifetimes() ? FIRST : SiteSampling.RECHECK_BYTES;
            if (sampling != null && laneOf != null) {
                classify(c, laneOf.applyAsInt(site));
            }
            t[site] = c;
        }
        return c;
    }

    /** Adds these counters into {@code into} (read without synchronisation: may be a moment old). */
    void addTo(SiteCounters into) {
        Counter[] mine = table;
        for (int site = 1; site < mine.length; site++) {
            Counter c = mine[site];
            if (c != null) {
                Counter sum = into.counterOf(site);
                sum.allocations += c.allocations;
                sum.bytesAllocated += c.bytesAllocated;
            }
        }
    }

    /** @return one more than the largest site id counted */
    public int siteLimit() {
        return table.length;
    }

    public long allocations(int site) {
        Counter c = get(site);
        return c == null ? 0 : c.allocations;
    }

    public long bytesAllocated(int site) {
        Counter c = get(site);
        return c == null ? 0 : c.bytesAllocated;
    }

    private Counter get(int site) {
        Counter[] t = table;
        return site > 0 && site < t.length ? t[site] : null;
    }
}
