package dev.hakmem.agent.report;

import dev.hakmem.agent.site.CallSite;

import java.util.ArrayList;
import java.util.List;

/**
 * Tells a pool from a leak by what a site's live bytes did in the later half of the history. A pool
 * keeps allocating and freeing while its live bytes stay within a band (or is a known pool's
 * allocation); a growing site's live bytes kept rising and end well above where that half began.
 * What is neither holds memory without a trend ({@link Behaviour#STEADY}), which is also what a site
 * with too few samples to tell gets.
 */
final class BehaviourClassifier {
    /** Samples of the site's own (from its first live point) needed before a trend counts. */
    static final int MIN_POINTS = 4;
    /** Growth over the later half that makes a site GROWING: 20%, and more than any earlier point held. */
    private static final double GROWTH = 1.2;
    /** Share of steps in the later half that must not go down for a rise to count as a trend. */
    private static final double RISING_STEPS = 0.7;
    /** A pool's live bytes in the later half stay within this fraction of their mean. */
    private static final double POOL_BAND = 0.25;
    /** Class-name prefixes of allocators known to pool what they allocate. */
    private static final String[] KNOWN_POOLS = {"io.netty.buffer.PoolArena", "io.netty.buffer.PoolChunk",
            "io.netty.buffer.PoolThreadCache", "io.netty.buffer.AdaptivePoolingAllocator"};

    private BehaviourClassifier() {
    }

    static Behaviour classify(CallSite site, long allocations, long liveBlocks, long liveBytes, List<LiveHistory.Point> history) {
        if (liveBytes <= 0) {
            return Behaviour.IDLE;
        }
        for (String pool : KNOWN_POOLS) {
            if (site.className().startsWith(pool)) {
                return Behaviour.POOL;
            }
        }
        List<Long> series = new ArrayList<>();
        for (LiveHistory.Point p : history) {
            long b = p.liveBytesOf(site.id());
            if (b > 0 || !series.isEmpty()) {
                series.add(b);
            }
        }
        series.add(liveBytes);
        if (series.size() < MIN_POINTS) {
            return Behaviour.STEADY;
        }
        int half = series.size() / 2;
        List<Long> later = series.subList(half, series.size());
        long start = later.getFirst();
        long end = later.getLast();
        long earlierMax = series.subList(0, half).stream().mapToLong(Long::longValue).max().orElse(0);
        int rising = 0;
        for (int i = 1; i < later.size(); i++) {
            if (later.get(i) >= later.get(i - 1)) {
                rising++;
            }
        }
        if (end > start * GROWTH && end > earlierMax && rising >= RISING_STEPS * (later.size() - 1)) {
            return Behaviour.GROWING;
        }
        boolean churns = allocations > 2 * liveBlocks;
        double mean = later.stream().mapToLong(Long::longValue).average().orElse(0);
        long min = later.stream().mapToLong(Long::longValue).min().orElse(0);
        long max = later.stream().mapToLong(Long::longValue).max().orElse(0);
        if (churns && mean > 0 && max - min <= POOL_BAND * mean) {
            return Behaviour.POOL;
        }
        return Behaviour.STEADY;
    }
}
