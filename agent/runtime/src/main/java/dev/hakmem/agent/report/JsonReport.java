package dev.hakmem.agent.report;

import dev.hakmem.DebugFinding;
import dev.hakmem.agent.site.CallSite;
import dev.hakmem.agent.site.SiteRegistry;

import java.time.Instant;
import java.util.Map;

/**
 * The agent's report, in the JSON other tools read (fields are added, never renamed):
 * <pre>
 * {"sites":[{"id","class","method","descriptor","file","line","api","allocations","frees",
 *            "bytesAllocated","liveBytes","liveBlocks","peakLiveBytes","peakAt","behaviour",
 *            "oldestLiveAt","oldestLiveAgeMillis",
 *            "paths":[{"frames":[...],"liveBytes","share","estimatedLiveBytes","sampledLiveBlocks",
 *                      "sampledAllocations","estimatedBytesAllocated","oldestLiveAt"}...]}...],
 *  "totals":{...},
 *  "debugFindings":[{"kind","address","size","offset","allocationSite","allocatedAt","freeSite","freedAt",
 *                    "occurrences","message"}...],
 *  "jdk":{"directCount","directBytes"},
 *  "coverage":{"liveBytesByApi":{"&lt;api&gt;":bytes,...},"liveBytes","jdkDirectBytes","hakmemMappedBytes",
 *              "nmtCommittedBytes","nmtOtherBytes","notSeen":[...]},
 *  "snapshots":{"intervalMillis","points":[{"at","liveBytes","sites":{"&lt;id&gt;":liveBytes,...}}...]},
 *  "takenAt","startedAt"}
 * </pre>
 * Sites come highest live bytes first; times are ISO-8601 instants; an unknown time or age is null.
 * A site's paths (most live bytes first) are the frames that led to it, from sampled allocations
 * ({@code stacks=}): {@code liveBytes} shares the site's exact live bytes out by the paths' estimates. {@code jdk} reads the JDK's own
 * "direct" buffer pool: the direct memory hakmem did not serve.
 */
public final class JsonReport {
    private JsonReport() {
    }

    public static String render(ReportSnapshot r, SiteRegistry registry, long historyIntervalMillis) {
        StringBuilder json = new StringBuilder(512 + r.sites().size() * 360 + r.history().size() * 64);
        json.append("{\"sites\":[");
        for (int i = 0; i < r.sites().size(); i++) {
            SiteRow row = r.sites().get(i);
            CallSite site = row.site();
            json.append(i == 0 ? "\n  {" : ",\n  {");
            field(json, "id", site.id()).append(',');
            field(json, "class", site.className()).append(',');
            field(json, "method", site.method()).append(',');
            field(json, "descriptor", site.descriptor()).append(',');
            field(json, "file", site.file()).append(',');
            field(json, "line", site.line()).append(',');
            field(json, "api", site.api().label()).append(',');
            field(json, "allocations", row.allocations()).append(',');
            field(json, "frees", row.frees()).append(',');
            field(json, "bytesAllocated", row.bytesAllocated()).append(',');
            field(json, "liveBytes", row.liveBytes()).append(',');
            field(json, "liveBlocks", row.liveBlocks()).append(',');
            field(json, "peakLiveBytes", row.peakLiveBytes()).append(',');
            field(json, "peakAt", row.peakAtMillis() == 0 ? null : Instant.ofEpochMilli(row.peakAtMillis()).toString()).append(',');
            field(json, "behaviour", row.behaviour().name().toLowerCase(java.util.Locale.ROOT)).append(',');
            field(json, "oldestLiveAt", instant(row.oldestLiveAtMillis())).append(',');
            long age = row.oldestLiveAgeMillis(r.takenAtMillis());
            field(json, "oldestLiveAgeMillis", age < 0 ? null : age).append(",\"paths\":[");
            for (int p = 0; p < row.paths().size(); p++) {
                PathRow path = row.paths().get(p);
                json.append(p == 0 ? "{\"frames\":[" : ",{\"frames\":[");
                for (int f = 0; f < path.frames().size(); f++) {
                    if (f > 0) {
                        json.append(',');
                    }
                    string(json, path.frames().get(f));
                }
                json.append("],");
                field(json, "liveBytes", path.liveBytes()).append(',');
                field(json, "share", Math.round(path.share() * 10_000) / 10_000.0).append(',');
                field(json, "estimatedLiveBytes", path.estimatedLiveBytes()).append(',');
                field(json, "sampledLiveBlocks", path.sampledLiveBlocks()).append(',');
                field(json, "sampledAllocations", path.sampledAllocations()).append(',');
                field(json, "estimatedBytesAllocated", path.estimatedBytesAllocated()).append(',');
                field(json, "oldestLiveAt", instant(path.oldestLiveAtMillis()));
                json.append('}');
            }
            json.append("]}");
        }
        json.append("\n],\n\"totals\":{");
        boolean first = true;
        for (Map.Entry<String, Object> e : r.totals().entrySet()) {
            if (!first) {
                json.append(',');
            }
            first = false;
            field(json, e.getKey(), e.getValue());
        }
        json.append("},\n\"debugFindings\":[");
        for (int i = 0; i < r.debugFindings().size(); i++) {
            DebugFinding f = r.debugFindings().get(i);
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
        json.append(r.debugFindings().isEmpty() ? "],\n\"jdk\":{" : "\n],\n\"jdk\":{");
        field(json, "directCount", r.jdkDirectCount()).append(',');
        field(json, "directBytes", r.jdkDirectBytes());
        json.append("},\n\"coverage\":{");
        Coverage c = r.coverage();
        json.append("\"liveBytesByApi\":{");
        boolean firstApi = true;
        for (Map.Entry<String, Long> e : c.liveBytesByApi().entrySet()) {
            if (!firstApi) {
                json.append(',');
            }
            firstApi = false;
            field(json, e.getKey(), e.getValue());
        }
        json.append("},");
        field(json, "liveBytes", c.liveBytes()).append(',');
        field(json, "jdkDirectBytes", c.jdkDirectBytes()).append(',');
        field(json, "hakmemMappedBytes", c.hakmemMappedBytes()).append(',');
        field(json, "nmtCommittedBytes", c.nmtCommittedBytes() < 0 ? null : c.nmtCommittedBytes()).append(',');
        field(json, "nmtOtherBytes", c.nmtOtherBytes() < 0 ? null : c.nmtOtherBytes()).append(",\"notSeen\":[");
        for (int i = 0; i < c.notSeen().size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            string(json, c.notSeen().get(i));
        }
        json.append("]},\n\"snapshots\":{");
        field(json, "intervalMillis", historyIntervalMillis).append(",\"points\":[");
        for (int i = 0; i < r.history().size(); i++) {
            LiveHistory.Point p = r.history().get(i);
            json.append(i == 0 ? "\n  {" : ",\n  {");
            field(json, "at", Instant.ofEpochMilli(p.atMillis()).toString()).append(',');
            field(json, "liveBytes", p.liveBytes()).append(",\"sites\":{");
            for (int j = 0; j < p.siteIds().length; j++) {
                if (j > 0) {
                    json.append(',');
                }
                field(json, Integer.toString(p.siteIds()[j]), p.siteBytes()[j]);
            }
            json.append("}}");
        }
        json.append(r.history().isEmpty() ? "]},\n" : "\n]},\n");
        field(json, "takenAt", Instant.ofEpochMilli(r.takenAtMillis()).toString()).append(',');
        field(json, "startedAt", Instant.ofEpochMilli(r.startedAtMillis()).toString());
        json.append("}\n");
        return json.toString();
    }

    private static String instant(long epochMillis) {
        return epochMillis == 0 ? null : Instant.ofEpochMilli(epochMillis).toString();
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
