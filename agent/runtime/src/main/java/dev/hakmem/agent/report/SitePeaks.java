package dev.hakmem.agent.report;

import dev.hakmem.SiteUsage;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;

/**
 * The highest live bytes seen per site. Live bytes are sums of per-thread counters, so a peak is
 * taken by sampling (the agent samples every 100 ms while a report is asked for, and once more at
 * the end): a spike shorter than the interval can be missed.
 */
public final class SitePeaks {
    private final Map<Integer, Long> peaks = new ConcurrentHashMap<>();

    public void sample(List<SiteUsage> usage) {
        for (SiteUsage u : usage) {
            peaks.merge(u.siteId(), Math.max(0, u.liveBytes()), Math::max);
        }
    }

    public long peak(int site) {
        return peaks.getOrDefault(site, 0L);
    }
}
