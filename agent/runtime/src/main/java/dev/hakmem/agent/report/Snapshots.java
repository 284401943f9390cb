package dev.hakmem.agent.report;

import dev.hakmem.DebugFinding;
import dev.hakmem.SiteUsage;
import dev.hakmem.agent.site.CallPath;
import dev.hakmem.agent.site.CallPathSampler;
import dev.hakmem.agent.site.CallSite;
import dev.hakmem.agent.site.PathFrame;
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
     * @param usage       per id, as the backend counts: sites and their call paths
     * @param agentTotals the agent's own figures for "totals" (mode, memory route, limit ...), after the sums
     * @param paths       the sampler of call paths and block ages, or null if there is none (sites=false)
     */
    public static ReportSnapshot take(long nowMillis, long startedAtMillis, SiteRegistry registry, List<SiteUsage> usage,
                                      ReportSampler sampler, Map<String, Object> agentTotals, List<DebugFinding> findings,
                                      CallPathSampler paths) {
        Map<Integer, SiteUsage> byPathId = new HashMap<>();
        for (SiteUsage u : usage) {
            if (registry.path(u.siteId()) != null) {
                byPathId.put(u.siteId(), u);
            }
        }
        List<SiteUsage> bySite = registry.bySite(usage);
        sampler.sample(bySite, nowMillis);
        Map<Integer, SiteUsage> byId = new HashMap<>();
        for (SiteUsage u : bySite) {
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
            long oldestAt = paths == null || u.liveBlocks() == 0 ? 0 : paths.oldest().oldestLiveSince(site.id());
            rows.add(new SiteRow(site, u.allocations(), u.frees(), u.bytesAllocated(), live, u.liveBlocks(),
                    Math.max(peak.bytes(), live), peak.bytes() >= live ? peak.atMillis() : nowMillis,
                    BehaviourClassifier.classify(site, u.allocations(), u.liveBlocks(), live, history), oldestAt,
                    paths == null ? List.of() : pathRows(site.id(), live, registry, byPathId, paths)));
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

    /**
     * The paths below a site, most live bytes first: each path's sampled live blocks weighted by the
     * inverse of their chance to be sampled, then shared out over the site's exact live bytes. The
     * certain and the random samples of one path (two ids) are joined here.
     */
    private static List<PathRow> pathRows(int siteId, long siteLiveBytes, SiteRegistry registry, Map<Integer, SiteUsage> byPathId,
                                          CallPathSampler paths) {
        Map<List<PathFrame>, PathSums> byFrames = new LinkedHashMap<>();
        for (CallPath path : registry.pathsOf(siteId)) {
            SiteUsage u = byPathId.getOrDefault(path.id(), new SiteUsage(path.id(), 0, 0, 0, 0));
            PathSums sums = byFrames.computeIfAbsent(path.frames(), f -> new PathSums());
            if (u.liveBlocks() > 0) {
                sums.liveEstimate += u.liveBlocks() * paths.weight((double) u.liveBytes() / u.liveBlocks(), path.certain());
                sums.liveBlocks += u.liveBlocks();
                long since = paths.oldest().oldestLiveSince(siteId, path.id());
                if (since != 0 && (sums.oldestAt == 0 || since < sums.oldestAt)) {
                    sums.oldestAt = since;
                }
            }
            if (u.allocations() > 0) {
                sums.allocatedEstimate += u.allocations() * paths.weight((double) u.bytesAllocated() / u.allocations(), path.certain());
                sums.allocations += u.allocations();
            }
        }
        double total = byFrames.values().stream().mapToDouble(p -> p.liveEstimate).sum();
        List<PathRow> rows = new ArrayList<>();
        byFrames.forEach((frames, p) -> {
            if (frames.isEmpty()) {
                return; // sampled without a path (stacks=off, or no frame above the site): in the total, not listed
            }
            double share = total == 0 ? 0 : p.liveEstimate / total;
            rows.add(new PathRow(frames.stream().map(PathFrame::location).toList(), Math.round(share * siteLiveBytes), share,
                    (long) p.liveEstimate, p.liveBlocks, p.allocations, (long) p.allocatedEstimate, p.oldestAt));
        });
        rows.sort(Comparator.comparingLong(PathRow::liveBytes).reversed()
                .thenComparing(Comparator.comparingLong(PathRow::estimatedBytesAllocated).reversed()));
        return List.copyOf(rows);
    }

    /** One path's figures, summed over its ids. */
    private static final class PathSums {
        double liveEstimate;
        long liveBlocks;
        double allocatedEstimate;
        long allocations;
        long oldestAt;
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
