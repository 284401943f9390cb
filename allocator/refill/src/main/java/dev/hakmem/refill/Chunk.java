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
    /** When the chunk last became empty ({@code System.nanoTime()}); meaningful only while it is. */
    long emptySinceNanos;

    Chunk(Mapping mapping) {
        this.mapping = mapping;
        this.segment = mapping.segment();
        this.base = mapping.address();
        this.pages = (int) (mapping.byteSize() >>> PageMap.PAGE_SHIFT);
        this.usedPages = new long[(pages + 63) >>> 6];
    }

    /** @return the first page of a free run of {@code count} pages, or -1 */
    int allocatePages(int count) {
        int run = 0;
        for (int p = 0; p < pages; p++) {
            if (isUsed(p)) {
                run = 0;
            } else if (++run == count) {
                int first = p - count + 1;
                for (int q = first; q <= p; q++) {
                    usedPages[q >>> 6] |= 1L << q;
                }
                usedCount += count;
                return first;
            }
        }
        return -1;
    }

    void freePages(int first, int count) {
        for (int q = first; q < first + count; q++) {
            usedPages[q >>> 6] &= ~(1L << q);
        }
        usedCount -= count;
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
