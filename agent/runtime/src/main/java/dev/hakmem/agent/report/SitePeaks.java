package dev.hakmem.agent.report;

import dev.hakmem.SiteUsage;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The highest live bytes seen per site, and when. Live bytes are counted from the blocks when asked,
 * so a peak is taken by sampling (the agent samples every 100 ms, less often if a sample takes more
 * than 2 ms, and once more at the end): a spike shorter than the interval can be missed.
 */
public final class SitePeaks {
    public static final long SAMPLE_MILLIS = 100;
    private static final long SAMPLE_DELAY_FACTOR = 50;

    /** @param atMillis when {@code bytes} was first sampled (epoch milliseconds) */
    public record Peak(long bytes, long atMillis) {
    }

    private static final Peak NONE = new Peak(0, 0);
    private final Map<Integer, Peak> peaks = new ConcurrentHashMap<>();

    public void sample(List<SiteUsage> usage, long nowMillis) {
        for (SiteUsage u : usage) {
            long live = u.liveBytes();
            if (live > 0) {
                peaks.merge(u.siteId(), new Peak(live, nowMillis), (old, now) -> now.bytes > old.bytes ? now : old);
            }
        }
    }

    /**
     * Every {@link #SAMPLE_MILLIS}, or less often when a sample takes long (a site's live bytes are
     * counted from its blocks: a read per block), so that sampling takes at most 2% of one core.
     */
    public static long nextSampleDelayMillis(long sampleNanos) {
        return Math.max(SAMPLE_MILLIS, TimeUnit.NANOSECONDS.toMillis(sampleNanos) * SAMPLE_DELAY_FACTOR);
    }

    public Peak peak(int site) {
        return peaks.getOrDefault(site, NONE);
    }

    /** Forgets every peak (JMX's resetPeaks): the next sample starts them again. */
    public void reset() {
        peaks.clear();
    }
}
