package dev.hakmem.agent.report;

import dev.hakmem.DebugFinding;

import java.util.List;
import java.util.Map;

/**
 * Everything a report shows, taken at one moment: what the JSON, text and HTML reports, the exit
 * summary, JMX and JFR all render. Immutable.
 *
 * @param takenAtMillis   when (epoch milliseconds)
 * @param startedAtMillis when the agent started
 * @param sites           every rewritten site, also those that never ran, by live bytes (highest first)
 * @param totals          the report's "totals", in order: sums over the sites, then the agent's own figures
 *                        (mode, memory route, limit, classes scanned ...); values are numbers or strings
 * @param debugFindings   what debug mode found (empty when it is off)
 * @param jdkDirectCount  buffers in the JDK's own "direct" pool: direct memory hakmem did not serve
 * @param jdkDirectBytes  their bytes
 * @param history         live bytes over time, oldest first (bounded: see {@link LiveHistory})
 * @param coverage        what share of the process's native memory hakmem saw
 */
public record ReportSnapshot(long takenAtMillis, long startedAtMillis, List<SiteRow> sites, Map<String, Object> totals,
                             List<DebugFinding> debugFindings, long jdkDirectCount, long jdkDirectBytes,
                             List<LiveHistory.Point> history, Coverage coverage) {

    /** @return a total as a number, or 0 if absent */
    public long total(String name) {
        return totals.get(name) instanceof Number n ? n.longValue() : 0;
    }

    /**
     * The leak view: the growing sites, those whose oldest live block is as old as the run first (their
     * first blocks were never freed: a leak keeps them, a growing cache that evicts does not), then by
     * live bytes.
     */
    public List<SiteRow> leakView() {
        long run = Math.max(1, takenAtMillis - startedAtMillis);
        return sites.stream().filter(s -> s.behaviour() == Behaviour.GROWING)
                .sorted(java.util.Comparator.comparingDouble((SiteRow s) -> -Math.max(0, s.oldestLiveAgeMillis(takenAtMillis)) / (double) run)
                        .thenComparing(java.util.Comparator.comparingLong(SiteRow::liveBytes).reversed()))
                .toList();
    }

    /** @return true if the site's oldest live block is about as old as the run (it never let go of its first blocks) */
    public boolean keepsItsFirstBlocks(SiteRow site) {
        long age = site.oldestLiveAgeMillis(takenAtMillis);
        return age >= 0 && age >= 0.75 * (takenAtMillis - startedAtMillis);
    }

    /** @return the sites holding live bytes, highest first, at most {@code n} */
    public List<SiteRow> topByLiveBytes(int n) {
        return sites.stream().filter(s -> s.liveBytes() > 0).limit(n).toList();
    }
}
