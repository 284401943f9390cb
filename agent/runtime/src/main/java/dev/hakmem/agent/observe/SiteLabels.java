package dev.hakmem.agent.observe;

import dev.hakmem.agent.report.SiteRow;
import dev.hakmem.agent.site.CallSite;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The short name a monitoring system keys a site by: {@code com.example.Pool.grow:42} (binary class
 * name, method, line; no line when the class has no line table). Unique per API within a snapshot:
 * when several sites share name and API (calls on one line, or a method without line numbers), the
 * lowest site id keeps the plain name and the others get {@code #2}, {@code #3} ... in id order, so a
 * name keeps meaning the same call for the life of the JVM.
 */
final class SiteLabels {
    private SiteLabels() {
    }

    /** {@code class.method:line}, or {@code class.method} without a line. */
    static String of(CallSite site) {
        return site.line() >= 0 ? site.className() + "." + site.method() + ":" + site.line()
                : site.className() + "." + site.method();
    }

    /** @return every row's site id mapped to its unique label */
    static Map<Integer, String> unique(List<SiteRow> rows) {
        Map<String, Integer> lowestId = new HashMap<>();
        for (SiteRow row : rows) {
            lowestId.merge(key(row.site()), row.site().id(), Math::min);
        }
        Map<Integer, String> labels = new HashMap<>();
        for (SiteRow row : rows) {
            CallSite site = row.site();
            String label = of(site);
            if (lowestId.get(key(site)) != site.id()) {
                int rank = 1;
                for (SiteRow other : rows) {
                    if (other.site().id() < site.id() && key(other.site()).equals(key(site))) {
                        rank++;
                    }
                }
                label = label + "#" + rank;
            }
            labels.put(site.id(), label);
        }
        return labels;
    }

    private static String key(CallSite site) {
        return of(site) + " " + site.api().label();
    }
}
