package dev.hakmem.agent.report;

import dev.hakmem.DebugFinding;
import dev.hakmem.SiteUsage;
import dev.hakmem.agent.site.CallSite;
import dev.hakmem.agent.site.SiteRegistry;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The agent's report, in the JSON other tools read (keep the field names):
 * <pre>
 * {"sites":[{"id","class","method","descriptor","file","line","api","allocations","frees",
 *            "bytesAllocated","liveBytes","liveBlocks","peakLiveBytes"}...],
 *  "totals":{...},
 *  "debugFindings":[{"kind","address","size","offset","allocationSite","allocatedAt","freeSite","freedAt",
 *                    "occurrences","message"}...],
 *  "jdk":{"directCount","directBytes"}}
 * </pre>
 * {@code jdk} reads the JDK's own "direct" buffer pool: the direct memory hakmem did not serve.
 */
public final class JsonReport {
    private JsonReport() {
    }

    /**
     * @param registry every rewritten site, also those that never ran
     * @param usage    per-site counters
     * @param totals   extra figures for "totals", in order (numbers or strings)
     * @param debugFindings what debug mode found (empty when it is off)
     */
    public static String render(SiteRegistry registry, List<SiteUsage> usage, SitePeaks peaks, Map<String, Object> totals,
                                List<DebugFinding> debugFindings) {
        List<CallSite> sites = registry.all();
        Map<Integer, SiteUsage> byId = usage.stream().collect(Collectors.toMap(SiteUsage::siteId, Function.identity(), (a, b) -> a));
        StringBuilder json = new StringBuilder(256 + sites.size() * 320);
        json.append("{\"sites\":[");
        long allocations = 0;
        long frees = 0;
        long bytesAllocated = 0;
        long liveBytes = 0;
        long liveBlocks = 0;
        for (int i = 0; i < sites.size(); i++) {
            CallSite site = sites.get(i);
            SiteUsage u = byId.getOrDefault(site.id(), new SiteUsage(site.id(), 0, 0, 0, 0));
            allocations += u.allocations();
            frees += u.frees();
            bytesAllocated += u.bytesAllocated();
            liveBytes += u.liveBytes();
            liveBlocks += u.liveBlocks();
            json.append(i == 0 ? "\n  {" : ",\n  {");
            field(json, "id", site.id()).append(',');
            field(json, "class", site.className()).append(',');
            field(json, "method", site.method()).append(',');
            field(json, "descriptor", site.descriptor()).append(',');
            field(json, "file", site.file()).append(',');
            field(json, "line", site.line()).append(',');
            field(json, "api", site.api().label()).append(',');
            field(json, "allocations", u.allocations()).append(',');
            field(json, "frees", u.frees()).append(',');
            field(json, "bytesAllocated", u.bytesAllocated()).append(',');
            field(json, "liveBytes", u.liveBytes()).append(',');
            field(json, "liveBlocks", u.liveBlocks()).append(',');
            field(json, "peakLiveBytes", Math.max(peaks.peak(site.id()), u.liveBytes()));
            json.append('}');
        }
        json.append("\n],\n\"totals\":{");
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("sites", sites.size());
        all.put("allocations", allocations);
        all.put("frees", frees);
        all.put("bytesAllocated", bytesAllocated);
        all.put("liveBytes", liveBytes);
        all.put("liveBlocks", liveBlocks);
        all.putAll(totals);
        boolean first = true;
        for (Map.Entry<String, Object> e : all.entrySet()) {
            if (!first) {
                json.append(',');
            }
            first = false;
            field(json, e.getKey(), e.getValue());
        }
        json.append("},\n\"debugFindings\":[");
        for (int i = 0; i < debugFindings.size(); i++) {
            DebugFinding f = debugFindings.get(i);
            json.append(i == 0 ? "\n  {" : ",\n  {");
            field(json, "kind", f.kind().name()).append(',');
            field(json, "address", "0x" + Long.toHexString(f.address())).append(',');
            field(json, "size", f.size()).append(',');
            field(json, "offset", f.offset()).append(',');
            field(json, "allocationSite", f.allocationSite()).append(',');
            field(json, "allocatedAt", registry.describe(f.allocationSite())).append(',');
            field(json, "freeSite", f.freeSite()).append(',');
            field(json, "freedAt", registry.describe(f.freeSite())).append(',');
            field(json, "occurrences", f.occurrences()).append(',');
            field(json, "message", DebugFindingsLog.describe(f, registry));
            json.append('}');
        }
        json.append(debugFindings.isEmpty() ? "],\n\"jdk\":{" : "\n],\n\"jdk\":{");
        BufferPoolMXBean direct = jdkDirectPool();
        field(json, "directCount", direct == null ? 0 : direct.getCount()).append(',');
        field(json, "directBytes", direct == null ? 0 : direct.getMemoryUsed());
        json.append("}}\n");
        return json.toString();
    }

    private static BufferPoolMXBean jdkDirectPool() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool;
            }
        }
        return null;
    }

    private static StringBuilder field(StringBuilder json, String name, Object value) {
        string(json, name).append(':');
        if (value == null) {
            return json.append("null");
        }
        if (value instanceof Number || value instanceof Boolean) {
            return json.append(value);
        }
        return string(json, value.toString());
    }

    private static StringBuilder string(StringBuilder json, String s) {
        json.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"');
    }
}
