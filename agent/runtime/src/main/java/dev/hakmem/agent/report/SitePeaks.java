package dev.hakmem.agent.report;

import dev.hakmem.SiteUsage;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.Map;

/**
 * The highest live bytes seen per site. Live bytes are counted from the blocks when asked, so a peak
 * is taken by sampling (the agent samples every 100 ms while a report is asked for, less often if a
 * sample takes more than 2 ms, and once more at the end): a spike shorter than the interval can be
 * missed.
 */
public final class SitePeaks {
    public static final long SAMPLE_MILLIS = 100;
    private static final long SAMPLE_DELAY_FACTOR = 50;
    private final Map<Integer, Long> peaks = new ConcurrentHashMap<>();

    public void sample(List<SiteUsage> usage) {
        for (SiteUsage u : usage) {
            peaks.merge(u.siteId(), Math.max(0, u.liveBytes()), Math::max);
        }
    }

    /**
     * Every {@link #SAMPLE_MILLIS}, or less often when a sample takes long (a site's live bytes are
     * counted from its blocks: a read per block), so that sampling takes at most 2% of one core.
     */
    public static long nextSampleDelayMillis(long sampleNanos) {
        return Math.max(SAMPLE_MILLIS, TimeUnit.NANOSECONDS.toMillis(sampleNanos) * SAMPLE_DELAY_FACTOR);
    }

    public long peak(int site) {
        return peaks.getOrDefault(site, 0L);
    }
}
