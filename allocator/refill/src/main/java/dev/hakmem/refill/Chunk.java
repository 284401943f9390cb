package dev.hakmem.refill;

import dev.hakmem.refill.os.Mapping;

import java.lang.foreign.MemorySegment;

/**
 * A mapping from the OS cut into 64 KiB pages, handed out as runs to spans (first fit). Guarded by
 * the engine's lock.
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
    /** When the chunk last became empty ({@code System.nanoTime()}); meaningful only while it is. */
    long emptySinceNanos;

    Chunk(Mapping mapping) {
        this.mapping = mapping;
        this.segment = mapping.segment();
        this.base = mapping.address();
        this.pages = (int) (mapping.byteSize() >>> PageMap.PAGE_SHIFT);
        this.usedPages = new long[(pages + 63) >>> 6];
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

    void freePages(int first, int count) {
        for (int q = first; q < first + count; q++) {
            usedPages[q >>> 6] &= ~(1L << q);
        }
        usedCount -= count;
        lowestFree = Math.min(lowestFree, first);
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
