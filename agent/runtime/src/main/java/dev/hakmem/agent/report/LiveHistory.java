package dev.hakmem.agent.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Live bytes over time, for the report's charts and its leak and pool views: one {@link Point} per
 * sampling interval, each with the total and the live bytes of every site that held any. Bounded:
 * when {@link #MAX_POINTS} are kept, every other point is dropped and the interval doubles, so a run
 * of any length keeps its whole span at an even, coarser resolution.
 */
public final class LiveHistory {
    /** 240 points × (8 + 16 per live site) bytes: a few hundred KiB at most even with a thousand live sites. */
    static final int MAX_POINTS = 240;

    /**
     * @param atMillis  when (epoch milliseconds)
     * @param liveBytes total live bytes over every site
     * @param siteIds   the sites holding live bytes then, ascending
     * @param siteBytes their live bytes, in the order of {@code siteIds}
     */
    public record Point(long atMillis, long liveBytes, int[] siteIds, long[] siteBytes) {
        /** @return the site's live bytes at this point, 0 if it held none */
        public long liveBytesOf(int siteId) {
            int i = Arrays.binarySearch(siteIds, siteId);
            return i >= 0 ? siteBytes[i] : 0;
        }
    }

    private final List<Point> points = new ArrayList<>();
    private long intervalMillis;
    private long lastAtMillis = Long.MIN_VALUE;

    /** @param intervalMillis the finest interval between points (it doubles as the history fills) */
    public LiveHistory(long intervalMillis) {
        if (intervalMillis <= 0) {
            throw new IllegalArgumentException("interval must be positive: " + intervalMillis);
        }
        this.intervalMillis = intervalMillis;
    }

    /** Adds a point if at least the current interval has passed since the last one. */
    public synchronized void offer(long atMillis, int[] siteIds, long[] siteBytes) {
        if (lastAtMillis != Long.MIN_VALUE && atMillis - lastAtMillis < intervalMillis) {
            return;
        }
        long total = 0;
        for (long b : siteBytes) {
            total += b;
        }
        points.add(new Point(atMillis, total, siteIds, siteBytes));
        lastAtMillis = atMillis;
        if (points.size() >= MAX_POINTS) {
            List<Point> kept = new ArrayList<>(MAX_POINTS / 2 + 1);
            for (int i = 0; i < points.size(); i += 2) {
                kept.add(points.get(i));
            }
            points.clear();
            points.addAll(kept);
            intervalMillis *= 2;
        }
    }

    public synchronized List<Point> points() {
        return List.copyOf(points);
    }

    public synchronized long intervalMillis() {
        return intervalMillis;
    }
}
