package dev.hakmem.agent.report;

import dev.hakmem.agent.site.CallSite;

import java.util.List;

/**
 * One call site's figures at the time of a {@link ReportSnapshot}.
 *
 * @param site           where the call is (class, method, line, API)
 * @param allocations    blocks or buffers allocated there
 * @param frees          of those, freed (by any thread)
 * @param bytesAllocated bytes allocated (usable bytes in replace mode, requested in observe mode)
 * @param liveBytes      bytes allocated there and not freed yet
 * @param liveBlocks     blocks allocated there and not freed yet
 * @param peakLiveBytes  the highest live bytes sampled
 * @param peakAtMillis   when that peak was first sampled (epoch milliseconds), or 0 if never live
 * @param behaviour      what its live bytes did over time ({@link Behaviour})
 * @param oldestLiveAtMillis when its oldest sampled block still live was allocated (epoch milliseconds), or 0 if
 *                       none is known ({@code dev.hakmem.agent.site.OldestBlocks})
 * @param paths          the call paths that led to it, most live bytes first (empty without {@code stacks=})
 */
public record SiteRow(CallSite site, long allocations, long frees, long bytesAllocated, long liveBytes, long liveBlocks,
                      long peakLiveBytes, long peakAtMillis, Behaviour behaviour, long oldestLiveAtMillis, List<PathRow> paths) {

    /** A row without ages or paths. */
    public SiteRow(CallSite site, long allocations, long frees, long bytesAllocated, long liveBytes, long liveBlocks,
                   long peakLiveBytes, long peakAtMillis, Behaviour behaviour) {
        this(site, allocations, frees, bytesAllocated, liveBytes, liveBlocks, peakLiveBytes, peakAtMillis, behaviour, 0, List.of());
    }

    /** @return how long its oldest known live block has lived at {@code nowMillis}, or -1 if unknown */
    public long oldestLiveAgeMillis(long nowMillis) {
        return oldestLiveAtMillis == 0 ? -1 : Math.max(0, nowMillis - oldestLiveAtMillis);
    }
}
