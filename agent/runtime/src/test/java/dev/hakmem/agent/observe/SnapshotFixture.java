package dev.hakmem.agent.observe;

import dev.hakmem.agent.report.Behaviour;
import dev.hakmem.agent.report.ReportSnapshot;
import dev.hakmem.agent.report.SiteRow;
import dev.hakmem.agent.site.CallSite;
import dev.hakmem.agent.site.DirectMemoryApi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Report snapshots built by hand, as the agent's would look: sites by live bytes, totals summed over them. */
final class SnapshotFixture {
    static final long TAKEN_AT = 1_800_000_000_000L;

    private final List<SiteRow> rows = new ArrayList<>();
    private final Map<String, Object> agentTotals = new LinkedHashMap<>();

    SnapshotFixture() {
        agentTotals.put("mode", "replace");
        agentTotals.put("memoryRoute", "mmap");
        agentTotals.put("invalidFrees", 2L);
        agentTotals.put("forcedGcs", 3L);
        agentTotals.put("directReservedBytes", 4096L);
        agentTotals.put("directLimitBytes", 1L << 30);
        agentTotals.put("classesScanned", 100L);
    }

    static CallSite site(int id, String className, String method, int line, DirectMemoryApi api) {
        String simple = className.substring(className.lastIndexOf('.') + 1);
        String file = (simple.indexOf('$') > 0 ? simple.substring(0, simple.indexOf('$')) : simple) + ".java";
        return new CallSite(id, className, method, "()V", file, line, api);
    }

    /** A site holding {@code liveBlocks} blocks of {@code blockBytes}, having allocated {@code allocations} of them. */
    SnapshotFixture row(CallSite site, long allocations, long liveBlocks, long blockBytes) {
        rows.add(new SiteRow(site, allocations, allocations - liveBlocks, allocations * blockBytes, liveBlocks * blockBytes,
                liveBlocks, liveBlocks * blockBytes * 2, TAKEN_AT - 1000, liveBlocks > 0 ? Behaviour.STEADY : Behaviour.IDLE));
        return this;
    }

    SnapshotFixture total(String name, Object value) {
        agentTotals.put(name, value);
        return this;
    }

    ReportSnapshot build() {
        List<SiteRow> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingLong(SiteRow::liveBytes).reversed());
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("sites", sorted.size());
        totals.put("allocations", sorted.stream().mapToLong(SiteRow::allocations).sum());
        totals.put("frees", sorted.stream().mapToLong(SiteRow::frees).sum());
        totals.put("bytesAllocated", sorted.stream().mapToLong(SiteRow::bytesAllocated).sum());
        totals.put("liveBytes", sorted.stream().mapToLong(SiteRow::liveBytes).sum());
        totals.put("liveBlocks", sorted.stream().mapToLong(SiteRow::liveBlocks).sum());
        totals.putAll(agentTotals);
        return new ReportSnapshot(TAKEN_AT, TAKEN_AT - 60_000, List.copyOf(sorted), totals, List.of(), 0, 0, List.of(),
                new dev.hakmem.agent.report.Coverage(java.util.Map.of(), 0, 0, -1, -1, List.of()));
    }
}
