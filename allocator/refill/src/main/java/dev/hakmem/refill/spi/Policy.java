package dev.hakmem.refill.spi;

import java.util.Arrays;

/**
 * Per-size-class refill counts and thread-cache capacities, and how long an empty chunk stays
 * mapped. Immutable: a learner publishes a new instance, and the refill engine reads it at its next
 * refill (counts, capacities) or its next look at empty chunks (decay) only (contract B), so no
 * cache or block that already exists is touched by a policy change.
 */
public final class Policy {
    /**
     * Hard bounds on what any policy may ask for, so a bad learner cannot blow a cache up. A cache
     * holds at most 254 blocks per class because a cached block's state byte records its slot in the
     * cache's stack (slots 2..255; 0 and 1 mean free and allocated), and a batch must fit its cache.
     */
    public static final int MAX_CAPACITY = 254;
    public static final int MAX_BATCH = MAX_CAPACITY;
    /** {@link #chunkDecayMillis()} of a policy that leaves the decay to the engine's own setting. */
    public static final long CONFIGURED_DECAY = -1;
    /** The longest decay a policy may ask for, and the bound {@code hakmem.chunk.decayMillis} is checked against. */
    public static final long MAX_DECAY_MILLIS = 3_600_000;

    /** Site ids a policy can name as long-lived are 1..{@code MAX_SITE_ID - 1}: the set is a bitmap of that many bits at most. */
    public static final int MAX_SITE_ID = 1 << 16;
    /** The most long-lived sites a policy names; a learner that would name more keeps the ones it has. */
    public static final int MAX_LONG_LIVED_SITES = 1024;
    private static final long[] NO_SITES = new long[0];

    private final int[] refillCounts;
    private final int[] cacheCapacities;
    private final long chunkDecayMillis;
    /** Bit {@code s} set: site {@code s} is long-lived. As long as the largest such site needs; never written after construction. */
    private final long[] longLivedSites;
    private final int longLivedCount;

    private Policy(int[] refillCounts, int[] cacheCapacities, long chunkDecayMillis, long[] longLivedSites) {
        this.refillCounts = refillCounts;
        this.cacheCapacities = cacheCapacities;
        this.chunkDecayMillis = chunkDecayMillis;
        this.longLivedSites = longLivedSites;
        int count = 0;
        for (long word : longLivedSites) {
            count += Long.bitCount(word);
        }
        this.longLivedCount = count;
    }

    /** As {@link #of(int[], int[], long)}, leaving the chunk decay to the engine's setting. */
    public static Policy of(int[] refillCounts, int[] cacheCapacities) {
        return of(refillCounts, cacheCapacities, CONFIGURED_DECAY);
    }

    /**
     * @throws IllegalArgumentException if the arrays differ in length, or a count is outside
     *         1..{@value #MAX_BATCH}, or a capacity is below its refill count or above {@value #MAX_CAPACITY},
     *         or the decay is neither {@link #CONFIGURED_DECAY} nor 0..{@value #MAX_DECAY_MILLIS}
     */
    public static Policy of(int[] refillCounts, int[] cacheCapacities, long chunkDecayMillis) {
        if (chunkDecayMillis != CONFIGURED_DECAY && (chunkDecayMillis < 0 || chunkDecayMillis > MAX_DECAY_MILLIS)) {
            throw new IllegalArgumentException("policy: chunk decay " + chunkDecayMillis + " ms is outside 0.." + MAX_DECAY_MILLIS);
        }
        if (refillCounts.length != cacheCapacities.length) {
            throw new IllegalArgumentException("policy: " + refillCounts.length + " refill counts but "
                    + cacheCapacities.length + " capacities");
        }
        for (int c = 0; c < refillCounts.length; c++) {
            int refill = refillCounts[c];
            int capacity = cacheCapacities[c];
            if (refill < 1 || refill > MAX_BATCH) {
                throw new IllegalArgumentException("policy: refill count " + refill + " of class " + c
                        + " is outside 1.." + MAX_BATCH);
            }
            if (capacity < refill || capacity > MAX_CAPACITY) {
                throw new IllegalArgumentException("policy: cache capacity " + capacity + " of class " + c
                        + " must be between its refill count " + refill + " and " + MAX_CAPACITY);
            }
        }
        return new Policy(refillCounts.clone(), cacheCapacities.clone(), chunkDecayMillis, NO_SITES);
    }

    /** This policy with another chunk decay. */
    public Policy withChunkDecayMillis(long millis) {
        return of(refillCounts, cacheCapacities, millis).sharingSites(longLivedSites);
    }

    private Policy sharingSites(long[] sites) {
        return new Policy(refillCounts, cacheCapacities, chunkDecayMillis, sites);
    }

    /**
     * This policy with {@code sites} as the long-lived ones (their blocks are carved from spans of
     * their own, see {@code LocalHeap}), in place of those it had.
     *
     * @throws IllegalArgumentException if a site is outside 1..{@value #MAX_SITE_ID}-1 or there are
     *         more than {@value #MAX_LONG_LIVED_SITES}
     */
    public Policy withLongLivedSites(int... sites) {
        if (sites.length > MAX_LONG_LIVED_SITES) {
            throw new IllegalArgumentException("policy: " + sites.length + " long-lived sites, at most " + MAX_LONG_LIVED_SITES);
        }
        int max = 0;
        for (int site : sites) {
            if (site <= 0 || site >= MAX_SITE_ID) {
                throw new IllegalArgumentException("policy: long-lived site " + site + " is outside 1.." + (MAX_SITE_ID - 1));
            }
            max = Math.max(max, site);
        }
        long[] bits = sites.length == 0 ? NO_SITES : new long[(max >>> 6) + 1];
        for (int site : sites) {
            bits[site >>> 6] |= 1L << site;
        }
        return sharingSites(bits);
    }

    /** Whether blocks of {@code site} are expected to live long; false for any site this policy does not name. */
    public boolean isLongLived(int site) {
        int word = site >>> 6;
        return site > 0 && word < longLivedSites.length && (longLivedSites[word] & (1L << site)) != 0;
    }

    /** The long-lived sites, ascending. */
    public int[] longLivedSites() {
        int[] sites = new int[longLivedCount];
        int n = 0;
        for (int word = 0; word < longLivedSites.length; word++) {
            for (long bits = longLivedSites[word]; bits != 0; bits &= bits - 1) {
                sites[n++] = (word << 6) + Long.numberOfTrailingZeros(bits);
            }
        }
        return sites;
    }

    /** How many long-lived sites have smaller ids than {@code site}; -1 if {@code site} is not long-lived. */
    public int longLivedRank(int site) {
        if (!isLongLived(site)) {
            return -1;
        }
        int word = site >>> 6;
        int rank = Long.bitCount(longLivedSites[word] & ((1L << site) - 1));
        for (int w = 0; w < word; w++) {
            rank += Long.bitCount(longLivedSites[w]);
        }
        return rank;
    }

    public int longLivedCount() {
        return longLivedCount;
    }

    public int sizeClasses() {
        return refillCounts.length;
    }

    public int refillCount(int sizeClass) {
        return refillCounts[sizeClass];
    }

    public int cacheCapacity(int sizeClass) {
        return cacheCapacities[sizeClass];
    }

    /**
     * How long an empty chunk beyond the retained ones stays mapped before it goes back to the OS;
     * {@link #CONFIGURED_DECAY} for the engine's own setting.
     */
    public long chunkDecayMillis() {
        return chunkDecayMillis;
    }

    /** {@link #chunkDecayMillis()}, or {@code configured} if this policy leaves it to the engine. */
    public long chunkDecayMillisOr(long configured) {
        return chunkDecayMillis == CONFIGURED_DECAY ? configured : chunkDecayMillis;
    }

    @Override
    public String toString() {
        return "Policy{refill=" + Arrays.toString(refillCounts) + ", capacity=" + Arrays.toString(cacheCapacities)
                + ", chunkDecay=" + (chunkDecayMillis == CONFIGURED_DECAY ? "configured" : chunkDecayMillis + "ms")
                + (longLivedCount == 0 ? "" : ", longLivedSites=" + Arrays.toString(longLivedSites())) + '}';
    }
}
