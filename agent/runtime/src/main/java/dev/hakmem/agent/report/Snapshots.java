package dev.hakmem.agent.report;

import dev.hakmem.DebugFinding;
import dev.hakmem.SiteUsage;
import dev.hakmem.agent.site.CallSite;
import dev.hakmem.agent.site.DirectMemoryApi;
import dev.hakmem.agent.site.SiteRegistry;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds a {@link ReportSnapshot} from the registry, the backend's per-site counters and what was sampled. */
public final class Snapshots {
    private Snapshots() {
    }

    /**
     * @param agentTotals the agent's own figures for "totals" (mode, memory route, limit ...), after the sums
     */
    public static ReportSnapshot take(long nowMillis, long startedAtMillis, SiteRegistry registry, List<SiteUsage> usage,
                                      ReportSampler sampler, Map<String, Object> agentTotals, List<DebugFinding> findings) {
        sampler.sample(usage, nowMillis);
        Map<Integer, SiteUsage> byId = new HashMap<>();
        for (SiteUsage u : usage) {
            byId.putIfAbsent(u.siteId(), u);
        }
        List<LiveHistory.Point> history = sampler.history().points();
        List<SiteRow> rows = new ArrayList<>();
        long allocations = 0;
        long frees = 0;
        long bytesAllocated = 0;
        long liveBytes = 0;
        long liveBlocks = 0;
        for (CallSite site : registry.all()) {
            if (site.api().isSegmentFunnel() && DirectMemoryApi.isSegmentFunnelClass(site.className().replace('.', '/'))) {
                continue; // the JDK's funnel itself: its segments are attributed to the stacks above it
            }
            SiteUsage u = byId.getOrDefault(site.id(), new SiteUsage(site.id(), 0, 0, 0, 0));
            SitePeaks.Peak peak = sampler.peaks().peak(site.id());
            long live = u.liveBytes();
            rows.add(new SiteRow(site, u.allocations(), u.frees(), u.bytesAllocated(), live, u.liveBlocks(),
                    Math.max(peak.bytes(), live), peak.bytes() >= live ? peak.atMillis() : nowMillis,
                    BehaviourClassifier.classify(site, u.allocations(), u.liveBlocks(), live, history)));
            allocations += u.allocations();
            frees += u.frees();
            bytesAllocated += u.bytesAllocated();
            liveBytes += live;
            liveBlocks += u.liveBlocks();
        }
        rows.sort(Comparator.comparingLong(SiteRow::liveBytes).reversed().thenComparing(
                Comparator.comparingLong(SiteRow::bytesAllocated).reversed()));
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("sites", rows.size());
        totals.put("allocations", allocations);
        totals.put("frees", frees);
        totals.put("bytesAllocated", bytesAllocated);
        totals.put("liveBytes", liveBytes);
        totals.put("liveBlocks", liveBlocks);
        totals.putAll(agentTotals);
        BufferPoolMXBean direct = jdkDirectPool();
        long jdkDirectBytes = direct == null ? 0 : direct.getMemoryUsed();
        Map<String, Long> byApi = new LinkedHashMap<>();
        for (SiteRow row : rows) {
            if (row.liveBytes() > 0) {
                byApi.merge(row.site().api().label(), row.liveBytes(), Long::sum);
            }
        }
        long[] nmt = NativeMemoryTracking.committed();
        long mapped = agentTotals.get("allocatorMappedBytes") instanceof Long m ? m : 0;
        Coverage coverage = new Coverage(byApi, jdkDirectBytes, mapped, nmt[0], nmt[1], Coverage.NOT_SEEN);
        return new ReportSnapshot(nowMillis, startedAtMillis, List.copyOf(rows), totals, findings,
                direct == null ? 0 : direct.getCount(), jdkDirectBytes, history, coverage);
    }

    private static BufferPoolMXBean jdkDirectPool() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool;
            }
        }
        return null;
    }
}
