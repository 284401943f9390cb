package dev.hakmem.agent.report;

import java.util.List;

/**
 * What one call path below a site holds ({@code dev.hakmem.agent.site.CallPath}), estimated from the
 * sampled blocks counted under it.
 *
 * @param frames             innermost first, as stack trace lines
 * @param liveBytes          the site's live bytes times this path's {@link #share}: the figure to read
 * @param share              this path's part of the estimated live bytes of all the site's paths (0..1)
 * @param estimatedLiveBytes the sampled live blocks, each weighted by the inverse of its chance to be sampled
 * @param sampledLiveBlocks  sampled blocks of this path still live (exact)
 * @param sampledAllocations allocations sampled on this path so far (exact)
 * @param estimatedBytesAllocated bytes allocated on this path so far, estimated from the samples
 * @param oldestLiveAtMillis when its oldest sampled live block was allocated (epoch milliseconds), or 0
 */
public record PathRow(List<String> frames, long liveBytes, double share, long estimatedLiveBytes, long sampledLiveBlocks,
                      long sampledAllocations, long estimatedBytesAllocated, long oldestLiveAtMillis) {
}
