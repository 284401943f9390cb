package dev.hakmem.agent.report;

import dev.hakmem.agent.site.CallSite;

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
 */
public record SiteRow(CallSite site, long allocations, long frees, long bytesAllocated, long liveBytes, long liveBlocks,
                      long peakLiveBytes, long peakAtMillis, Behaviour behaviour) {
}
