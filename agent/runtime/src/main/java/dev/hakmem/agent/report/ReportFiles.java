package dev.hakmem.agent.report;

import dev.hakmem.agent.site.CallSite;
import dev.hakmem.agent.site.DirectMemoryApi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a JSON report the agent wrote back into a {@link ReportSnapshot}, for the report tool (text,
 * HTML, diff). Debug findings are not read back (their text is in the JSON); a report from before a
 * field existed reads with that field's default.
 */
public final class ReportFiles {
    private ReportFiles() {
    }

    /** @throws IllegalArgumentException naming the file and what is wrong with it, if it is not a hakmem report */
    public static ReportSnapshot read(Path file) throws IOException {
        Object root;
        try {
            root = JsonReader.read(Files.readString(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> map) || !(map.get("sites") instanceof List<?> sites) || !(map.get("totals") instanceof Map<?, ?> totals)) {
            throw new IllegalArgumentException(file + ": not a hakmem report (no \"sites\" list and \"totals\" object)");
        }
        List<SiteRow> rows = new ArrayList<>();
        for (Object o : sites) {
            Map<?, ?> s = (Map<?, ?>) o;
            DirectMemoryApi api = DirectMemoryApi.ofLabel(String.valueOf(s.get("api")));
            if (api == null) {
                throw new IllegalArgumentException(file + ": unknown api " + s.get("api") + " in site " + s.get("id"));
            }
            CallSite site = new CallSite((int) number(s, "id"), (String) s.get("class"), (String) s.get("method"),
                    (String) s.get("descriptor"), (String) s.get("file"), (int) number(s, "line"), api);
            Object behaviour = s.get("behaviour");
            List<PathRow> paths = new ArrayList<>();
            if (s.get("paths") instanceof List<?> list) {
                for (Object po : list) {
                    Map<?, ?> p = (Map<?, ?>) po;
                    List<String> frames = p.get("frames") instanceof List<?> fs ? fs.stream().map(String::valueOf).toList() : List.of();
                    paths.add(new PathRow(frames, number(p, "liveBytes"), p.get("share") instanceof Number n ? n.doubleValue() : 0,
                            number(p, "estimatedLiveBytes"), number(p, "sampledLiveBlocks"), number(p, "sampledAllocations"),
                            number(p, "estimatedBytesAllocated"), instant(p.get("oldestLiveAt"))));
                }
            }
            rows.add(new SiteRow(site, number(s, "allocations"), number(s, "frees"), number(s, "bytesAllocated"),
                    number(s, "liveBytes"), number(s, "liveBlocks"), number(s, "peakLiveBytes"), instant(s.get("peakAt")),
                    behaviour == null ? Behaviour.STEADY : Behaviour.valueOf(behaviour.toString().toUpperCase(Locale.ROOT)),
                    instant(s.get("oldestLiveAt")), List.copyOf(paths)));
        }
        Map<String, Object> totalsCopy = new LinkedHashMap<>();
        totals.forEach((k, v) -> totalsCopy.put(String.valueOf(k), v));
        Map<?, ?> jdk = map.get("jdk") instanceof Map<?, ?> j ? j : Map.of();
        List<LiveHistory.Point> history = new ArrayList<>();
        if (map.get("snapshots") instanceof Map<?, ?> snapshots && snapshots.get("points") instanceof List<?> points) {
            for (Object o : points) {
                Map<?, ?> p = (Map<?, ?>) o;
                Map<?, ?> bySite = (Map<?, ?>) p.get("sites");
                int[] ids = new int[bySite.size()];
                long[] bytes = new long[bySite.size()];
                int i = 0;
                for (Map.Entry<?, ?> e : bySite.entrySet()) {
                    ids[i] = Integer.parseInt(String.valueOf(e.getKey()));
                    bytes[i++] = ((Number) e.getValue()).longValue();
                }
                history.add(new LiveHistory.Point(instant(p.get("at")), number(p, "liveBytes"), ids, bytes));
            }
        }
        Coverage coverage = coverage(map.get("coverage"), number(jdk, "directBytes"));
        long takenAt = instant(map.get("takenAt"));
        return new ReportSnapshot(takenAt == 0 ? Files.getLastModifiedTime(file).toMillis() : takenAt,
                instant(map.get("startedAt")), List.copyOf(rows), totalsCopy, List.of(), number(jdk, "directCount"),
                number(jdk, "directBytes"), List.copyOf(history), coverage);
    }

    private static Coverage coverage(Object json, long jdkDirectBytes) {
        if (!(json instanceof Map<?, ?> c)) {
            return new Coverage(Map.of(), jdkDirectBytes, 0, -1, -1, Coverage.NOT_SEEN);
        }
        Map<String, Long> byApi = new LinkedHashMap<>();
        if (c.get("liveBytesByApi") instanceof Map<?, ?> apis) {
            apis.forEach((k, v) -> byApi.put(String.valueOf(k), ((Number) v).longValue()));
        }
        List<String> notSeen = new ArrayList<>();
        if (c.get("notSeen") instanceof List<?> list) {
            list.forEach(o -> notSeen.add(String.valueOf(o)));
        }
        return new Coverage(byApi, number(c, "jdkDirectBytes"), number(c, "hakmemMappedBytes"),
                c.get("nmtCommittedBytes") == null ? -1 : number(c, "nmtCommittedBytes"),
                c.get("nmtOtherBytes") == null ? -1 : number(c, "nmtOtherBytes"), List.copyOf(notSeen));
    }

    private static long number(Map<?, ?> m, String key) {
        return m.get(key) instanceof Number n ? n.longValue() : 0;
    }

    private static long instant(Object iso) {
        return iso == null ? 0 : Instant.parse(iso.toString()).toEpochMilli();
    }
}
