package dev.hakmem.agent.report;

import dev.hakmem.SiteUsage;

import java.util.List;

/**
 * What the agent samples while it runs, for peaks and the history: every sample goes to the peaks;
 * the history keeps one point per its interval. Called from one sampling thread (and at the end).
 */
public final class ReportSampler {
    private final SitePeaks peaks = new SitePeaks();
    private final LiveHistory history;

    public ReportSampler(long historyIntervalMillis) {
        this.history = new LiveHistory(historyIntervalMillis);
    }

    public void sample(List<SiteUsage> usage, long nowMillis) {
        peaks.sample(usage, nowMillis);
        int live = 0;
        for (SiteUsage u : usage) {
            if (u.liveBytes() > 0) {
                live++;
            }
        }
        int[] ids = new int[live];
        long[] bytes = new long[live];
        int i = 0;
        for (SiteUsage u : usage.stream().sorted(java.util.Comparator.comparingInt(SiteUsage::siteId)).toList()) {
            if (u.liveBytes() > 0) {
                ids[i] = u.siteId();
                bytes[i++] = u.liveBytes();
            }
        }
        history.offer(nowMillis, ids, bytes);
    }

    public SitePeaks peaks() {
        return peaks;
    }

    public LiveHistory history() {
        return history;
    }
}
