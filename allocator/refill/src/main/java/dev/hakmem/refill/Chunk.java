package dev.hakmem.refill;

import dev.hakmem.refill.os.Mapping;

import java.lang.foreign.MemorySegment;

/**
 * A mapping from the OS cut into 64 KiB pages, handed out as runs to spans (first fit). Guarded by
 * the engine's lock.
 *
 * <p>A free page is <b>dirty</b> if a span has used it since the chunk was mapped or the page was
 * last purged: its memory is resident (and holds whatever the span left). The engine purges dirty
 * pages once they have been free for the decay (their memory goes back to the OS, the page stays in
 * the chunk and in the page map), and carves new spans from dirty pages first: they cost no fault.
 * While a purge runs outside the lock its pages count as used, so no span can be carved over them.
 */
final class Chunk {
    final Mapping mapping;
    final MemorySegment segment;
    final long base;
    final int pages;
    private final long[] usedPages;
    private int usedCount;
    /** Every page below this one is in use. */
    private int lowestFree;
    /** The page map's entry for this chunk's pages that no span holds; set once, when mapped. */
    Span vacant;
    /** Free pages whose memory is resident: a subset of the free pages. */
    private final long[] dirtyPages;
    /** Per page: when it was last freed ({@code System.nanoTime()}); meaningful while it is dirty. */
    private final long[] freedAtNanos;
    private int dirtyCount;
    /** Pages held by a purge in flight (marked used meanwhile): see {@link #takeDecayedDirtyRuns}. */
    private final long[] purgingPages;
    /** When a span last gave pages back; what the empty time is once a purge gives its pages back. */
    long lastFreedNanos;
    /** When the chunk last became empty ({@code System.nanoTime()}); meaningful only while it is. */
    long emptySinceNanos;

    Chunk(Mapping mapping) {
        this.mapping = mapping;
        this.segment = mapping.segment();
        this.base = mapping.address();
        this.pages = (int) (mapping.byteSize() >>> PageMap.PAGE_SHIFT);
        this.usedPages = new long[(pages + 63) >>> 6];
        this.dirtyPages = new long[usedPages.length];
        this.purgingPages = new long[usedPages.length];
        this.freedAtNanos = new long[pages];
    }

    /**
     * @return the first page of a free run of {@code count} pages (first fit), or -1. A full chunk
     *         answers at once, full words of 64 pages are skipped, and the scan starts at the lowest
     *         page that may be free: with hundreds of MiB mapped, a span used to cost a walk over
     *         every page of every chunk before it.
     */
    int allocatePages(int count) {
        if (pages - usedCount < count) {
            return -1;
        }
        int run = 0;
        int firstFree = -1;
        for (int p = lowestFree; p < pages; ) {
            if ((p & 63) == 0 && usedPages[p >>> 6] == -1L) {
                run = 0;
                p += 64;
                continue;
            }
            if (isUsed(p)) {
                run = 0;
            } else {
                if (firstFree < 0) {
                    firstFree = p;
                }
                if (++run == count) {
                    int first = p - count + 1;
                    for (int q = first; q <= p; q++) {
                        usedPages[q >>> 6] |= 1L << q;
                    }
                    usedCount += count;
                    lowestFree = firstFree == first ? p + 1 : firstFree;
                    clearDirty(first, count);
                    return first;
                }
            }
            p++;
        }
        if (firstFree >= 0) {
            lowestFree = firstFree;
        }
        return -1;
    }

    /**
     * As {@link #allocatePages}, but only over dirty pages (first fit among them): a span carved there
     * reuses resident memory instead of faulting in fresh pages, and leaves purged ones purged.
     *
     * @return the first page, or -1 if no run of {@code count} dirty pages is free
     */
    int allocateDirtyPages(int count) {
        if (dirtyCount < count) {
            return -1;
        }
        int run = 0;
        for (int p = 0; p < pages; ) {
            if ((p & 63) == 0 && dirtyPages[p >>> 6] == 0) {
                run = 0;
                p += 64;
                continue;
            }
            if (isDirty(p)) {
                if (++run == count) {
                    int first = p - count + 1;
                    markUsed(first, count);
                    clearDirty(first, count);
                    return first;
                }
            } else {
                run = 0;
            }
            p++;
        }
        return -1;
    }

    /** Pages a span gave back: free, and dirty since {@code nowNanos}. */
    void freePages(int first, int count, long nowNanos) {
        markFree(first, count);
        for (int q = first; q < first + count; q++) {
            dirtyPages[q >>> 6] |= 1L << q;
            freedAtNanos[q] = nowNanos;
        }
        dirtyCount += count;
        lastFreedNanos = nowNanos;
    }

    void freePages(int first, int count) {
        freePages(first, count, System.nanoTime());
    }

    /**
     * Takes every maximal run of dirty pages freed at or before {@code cutoffNanos} for a purge: they
     * stop being dirty and count as used (held by the purge) until {@link #returnPurgedPages}, so the
     * purge can run outside the engine's lock.
     *
     * @return the runs, each {@code {first, count}}; empty if none
     */
    java.util.List<int[]> takeDecayedDirtyRuns(long cutoffNanos) {
        java.util.List<int[]> runs = new java.util.ArrayList<>();
        if (dirtyCount == 0) {
            return runs;
        }
        int first = -1;
        for (int p = 0; p <= pages; p++) {
            boolean decayed = p < pages && isDirty(p) && freedAtNanos[p] - cutoffNanos <= 0;
            if (decayed && first < 0) {
                first = p;
            } else if (!decayed && first >= 0) {
                int count = p - first;
                markUsed(first, count);
                clearDirty(first, count);
                for (int q = first; q < p; q++) {
                    purgingPages[q >>> 6] |= 1L << q;
                }
                runs.add(new int[] {first, count});
                first = -1;
            }
        }
        return runs;
    }

    /**
     * Counts the dirty pages freed after {@code afterNanos} and at or before {@code atOrBeforeNanos}, each
     * into {@code byAge[(freedAt - afterNanos - 1) / bucketNanos]} (the oldest in bucket 0).
     *
     * @return how many were counted
     */
    long countDirtyPagesByAge(long afterNanos, long atOrBeforeNanos, long bucketNanos, long[] byAge) {
        if (dirtyCount == 0) {
            return 0;
        }
        long counted = 0;
        for (int p = 0; p < pages; p++) {
            if ((p & 63) == 0 && dirtyPages[p >>> 6] == 0) {
                p += 63;
                continue;
            }
            if (isDirty(p) && freedAtNanos[p] - afterNanos > 0 && freedAtNanos[p] - atOrBeforeNanos <= 0) {
                byAge[(int) Math.min(byAge.length - 1, (freedAtNanos[p] - afterNanos - 1) / bucketNanos)]++;
                counted++;
            }
        }
        return counted;
    }

    /** Gives back a run taken by {@link #takeDecayedDirtyRuns}: free, and dirty again only if the purge failed. */
    void returnPurgedPages(int first, int count, boolean purged) {
        for (int q = first; q < first + count; q++) {
            purgingPages[q >>> 6] &= ~(1L << q);
        }
        if (purged) {
            markFree(first, count);
        } else {
            long freedAt = lastFreedNanos;
            freePages(first, count, freedAt); // as old as the chunk's last release: tried again at the next visit
        }
    }

    /** The chunk's memory went back to the OS as a whole: no page is resident. */
    void forgetDirtyPages() {
        java.util.Arrays.fill(dirtyPages, 0);
        dirtyCount = 0;
    }

    private void markUsed(int first, int count) {
        for (int q = first; q < first + count; q++) {
            usedPages[q >>> 6] |= 1L << q;
        }
        usedCount += count;
    }

    private void markFree(int first, int count) {
        for (int q = first; q < first + count; q++) {
            usedPages[q >>> 6] &= ~(1L << q);
        }
        usedCount -= count;
        lowestFree = Math.min(lowestFree, first);
    }

    private void clearDirty(int first, int count) {
        for (int q = first; q < first + count; q++) {
            long bit = 1L << q;
            if ((dirtyPages[q >>> 6] & bit) != 0) {
                dirtyPages[q >>> 6] &= ~bit;
                dirtyCount--;
            }
        }
    }

    boolean isDirty(int page) {
        return (dirtyPages[page >>> 6] & (1L << page)) != 0;
    }

    /** Whether a purge in flight holds this page (it reads as used meanwhile). */
    boolean isPurging(int page) {
        return (purgingPages[page >>> 6] & (1L << page)) != 0;
    }

    int dirtyPageCount() {
        return dirtyCount;
    }

    boolean isUsed(int page) {
        return (usedPages[page >>> 6] & (1L << page)) != 0;
    }

    boolean isEmpty() {
        return usedCount == 0;
    }

    long bytes() {
        return (long) pages << PageMap.PAGE_SHIFT;
    }
}
