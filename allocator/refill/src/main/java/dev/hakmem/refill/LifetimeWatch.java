package dev.hakmem.refill;

import dev.hakmem.refill.spi.EventKind;

/**
 * A few sampled blocks of one heap whose lifetimes its owner follows, to tell the learner per site
 * whether blocks live long: bounded ({@link #CAPACITY}), written and read by the owner only, on cold
 * paths (a sampled allocation adds, a refill checks). A block is watched by a mark in its span's site
 * entry ({@link Span#recordWatchedAllocation}); the free turns the entry negative and a later
 * allocation of the same block rewrites it without the mark, so "still the watched allocation" is
 * one compare, and the free path does nothing for it.
 *
 * <p>At a check, a watched block that is gone counts as short-lived ({@link EventKind#LIFETIME_SHORT})
 * and one still live after {@link #HORIZON_NANOS} as long-lived ({@link EventKind#LIFETIME_LONG});
 * a block gone by the time a check after the horizon looks may have lived longer than the horizon: a
 * thread that refills rarely under-reports long lifetimes, never over-reports them. A full list
 * ignores new samples until a check makes room.
 */
final class LifetimeWatch {
    static final int CAPACITY = 64;
    /**
     * Survival past this much makes a sample long-lived. 50 ms: longer than a request's or a batch's
     * temporary buffers live, shorter than a thread's share of a retained set is kept.
     */
    static final long HORIZON_NANOS = 50_000_000L;

    /** Where a check's verdicts go. */
    interface Verdicts {
        void lifetime(EventKind kind, int sizeClass, int site);
    }

    private final Span[] spans = new Span[CAPACITY];
    private final long[] addresses = new long[CAPACITY];
    private final int[] sites = new int[CAPACITY];
    private final long[] since = new long[CAPACITY];
    private int size;

    /** @return false if the list is full: the block is not watched */
    boolean add(Span span, long address, int site, long nowNanos) {
        if (size == CAPACITY) {
            return false;
        }
        spans[size] = span;
        addresses[size] = address;
        sites[size] = site;
        since[size] = nowNanos;
        size++;
        return true;
    }

    int size() {
        return size;
    }

    /** Reports and forgets every watched block whose verdict is known at {@code nowNanos}. */
    void check(long nowNanos, Verdicts verdicts) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            Span span = spans[i];
            boolean live = span.isWatchedLive(addresses[i], sites[i]);
            if (!live) {
                verdicts.lifetime(EventKind.LIFETIME_SHORT, span.sizeClass, sites[i]);
            } else if (nowNanos - since[i] >= HORIZON_NANOS) {
                verdicts.lifetime(EventKind.LIFETIME_LONG, span.sizeClass, sites[i]);
            } else {
                spans[kept] = span;
                addresses[kept] = addresses[i];
                sites[kept] = sites[i];
                since[kept] = since[i];
                kept++;
            }
        }
        for (int i = kept; i < size; i++) {
            spans[i] = null; // a released span is not kept alive by the list
        }
        size = kept;
    }
}
