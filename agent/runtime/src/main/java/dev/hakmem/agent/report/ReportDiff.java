package dev.hakmem.agent.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What changed between two reports of the same application: the sites whose live bytes grew, most
 * first, then those that shrank. Sites are matched by where they are (class, method, descriptor,
 * line, API), not by id, so reports of two runs compare too.
 */
public final class ReportDiff {
    /** @param before 0 if the site is new in the later report */
    public record Change(SiteRow after, long before) {
        public long growth() {
            return after.liveBytes() - before;
        }
    }

    private ReportDiff() {
    }

    public static List<Change> changes(ReportSnapshot before, ReportSnapshot after) {
        Map<String, Long> earlier = new HashMap<>();
        for (SiteRow s : before.sites()) {
            earlier.merge(key(s), s.liveBytes(), Long::sum);
        }
        List<Change> changes = new ArrayList<>();
        for (SiteRow s : after.sites()) {
            Change c = new Change(s, earlier.getOrDefault(key(s), 0L));
            if (c.growth() != 0) {
                changes.add(c);
            }
        }
        changes.sort(Comparator.comparingLong(Change::growth).reversed());
        return changes;
    }

    public static String render(ReportSnapshot before, ReportSnapshot after) {
        List<Change> changes = changes(before, after);
        StringBuilder out = new StringBuilder();
        long total = after.total("liveBytes") - before.total("liveBytes");
        out.append("hakmem diff: live bytes ").append(TextReport.bytes(before.total("liveBytes"))).append(" -> ")
                .append(TextReport.bytes(after.total("liveBytes"))).append(" (").append(signed(total)).append(")\n");
        if (changes.isEmpty()) {
            out.append("no site's live bytes changed\n");
            return out.toString();
        }
        out.append(String.format(Locale.ROOT, "%12s %10s %10s  %s%n", "change", "before", "after", "site"));
        for (Change c : changes) {
            out.append(String.format(Locale.ROOT, "%12s %10s %10s  %s [%s]%s%n", signed(c.growth()), TextReport.bytes(c.before()),
                    TextReport.bytes(c.after().liveBytes()), c.after().site().location(), c.after().site().api().label(),
                    c.growth() > 0 ? "  grew" : "  shrank"));
        }
        return out.toString();
    }

    private static String signed(long bytes) {
        return (bytes >= 0 ? "+" : "-") + TextReport.bytes(Math.abs(bytes));
    }

    private static String key(SiteRow s) {
        return s.site().className() + "#" + s.site().method() + s.site().descriptor() + ":" + s.site().line() + ":" + s.site().api();
    }
}
