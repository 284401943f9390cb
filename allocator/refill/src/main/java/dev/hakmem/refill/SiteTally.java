package dev.hakmem.refill;

import java.util.Arrays;

/**
 * Live blocks and bytes per call site, counted from the blocks themselves by
 * {@link RefillEngine#tallyLiveSites}: a block is live for site {@code s} while its span's site
 * entry is {@code s > 0} (the entry turns negative when the block is freed). Filled by one thread.
 */
public final class SiteTally {
    private long[] liveBlocks = new long[0];
    private long[] liveBytes = new long[0];

    void add(int site, long bytes) {
        if (site >= liveBlocks.length) {
            int length = Math.max(site + 1, 2 * liveBlocks.length);
            liveBlocks = Arrays.copyOf(liveBlocks, length);
            liveBytes = Arrays.copyOf(liveBytes, length);
        }
        liveBlocks[site]++;
        liveBytes[site] += bytes;
    }

    public long liveBlocks(int site) {
        return site > 0 && site < liveBlocks.length ? liveBlocks[site] : 0;
    }

    public long liveBytes(int site) {
        return site > 0 && site < liveBytes.length ? liveBytes[site] : 0;
    }
}
