package dev.hakmem.cache;

import java.util.Arrays;

/**
 * Allocations and frees per call site, kept by one cache (so written by one thread at a time, with
 * plain stores) and summed across caches when someone asks. Site ids are small positive integers
 * handed out densely (the agent numbers call sites from 1); the table grows to the largest id seen.
 * <pre>
 * counts = [ allocations | frees | bytesAllocated | bytesFreed ] per site, site 0 unused
 * </pre>
 */
public final class SiteCounters {
    static final int ALLOCATIONS = 0;
    static final int FREES = 1;
    static final int BYTES_ALLOCATED = 2;
    static final int BYTES_FREED = 3;
    private static final int WIDTH = 4;

    private long[] counts = new long[0];

    void allocated(int site, long bytes) {
        long[] c = table(site);
        int at = site * WIDTH;
        c[at + ALLOCATIONS]++;
        c[at + BYTES_ALLOCATED] += bytes;
    }

    void freed(int site, long bytes) {
        long[] c = table(site);
        int at = site * WIDTH;
        c[at + FREES]++;
        c[at + BYTES_FREED] += bytes;
    }

    private long[] table(int site) {
        long[] c = counts;
        if ((site + 1) * WIDTH > c.length) {
            c = Arrays.copyOf(c, Math.max((site + 1) * WIDTH, c.length * 2));
            counts = c;
        }
        return c;
    }

    /** Adds these counters into {@code into} (read without synchronisation: may be a moment old). */
    void addTo(SiteCounters into) {
        long[] mine = counts;
        if (mine.length == 0) {
            return;
        }
        long[] sums = into.table(mine.length / WIDTH - 1);
        for (int i = 0; i < mine.length; i++) {
            sums[i] += mine[i];
        }
    }

    /** @return one more than the largest site id counted */
    public int siteLimit() {
        return counts.length / WIDTH;
    }

    public long allocations(int site) {
        return get(site, ALLOCATIONS);
    }

    public long frees(int site) {
        return get(site, FREES);
    }

    public long bytesAllocated(int site) {
        return get(site, BYTES_ALLOCATED);
    }

    public long bytesFreed(int site) {
        return get(site, BYTES_FREED);
    }

    private long get(int site, int field) {
        int at = site * WIDTH + field;
        return site > 0 && at < counts.length ? counts[at] : 0;
    }
}
