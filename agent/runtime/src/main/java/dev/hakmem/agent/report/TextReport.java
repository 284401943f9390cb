package dev.hakmem.agent.report;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The report as text: the short summary the agent prints on stderr at exit, and the full table
 * ({@code report=FILE.txt}). Growing sites come first in the summary, since that is where a leak
 * shows; the full table lists every site that allocated, by live bytes.
 */
public final class TextReport {
    /** Sites named in the summary: with its other lines, at most about twelve. */
    static final int SUMMARY_SITES = 6;
    /** Call paths listed under a site in the full report. */
    static final int PATHS_SHOWN = 5;

    private TextReport() {
    }

    /**
     * @param written the full reports written, to point at; empty if none was asked for
     * @return at most about twelve lines, each starting with "hakmem"
     */
    public static List<String> summary(ReportSnapshot r, List<Path> written) {
        List<String> lines = new ArrayList<>();
        long sites = r.sites().stream().filter(s -> s.allocations() > 0).count();
        lines.add("hakmem: " + r.totals().get("mode") + " mode, " + duration(r.takenAtMillis() - r.startedAtMillis()) + ": "
                + count(r.total("allocations")) + " allocations, " + count(r.total("frees")) + " frees at " + sites + " of "
                + r.sites().size() + " call sites; " + bytes(r.total("liveBytes")) + " live in " + count(r.total("liveBlocks"))
                + " blocks");
        List<SiteRow> shown = ranked(r).stream().limit(SUMMARY_SITES).toList();
        if (!shown.isEmpty()) {
            lines.add(String.format(Locale.ROOT, "hakmem: %10s %10s %10s %9s  %-8s %s", "live", "peak", "allocated", "oldest",
                    "trend", "site"));
            for (SiteRow s : shown) {
                lines.add(String.format(Locale.ROOT, "hakmem: %10s %10s %10s %9s  %-8s %s [%s]", bytes(s.liveBytes()),
                        bytes(s.peakLiveBytes()), bytes(s.bytesAllocated()), age(s.oldestLiveAgeMillis(r.takenAtMillis())),
                        trend(s.behaviour()), s.site().location(), s.site().api().label()));
                if (s == shown.get(0) && !s.paths().isEmpty() && s.paths().get(0).liveBytes() > 0) {
                    // the first site's main call path, under its row: where a library site's memory came from
                    PathRow path = s.paths().get(0);
                    lines.add(String.format(Locale.ROOT, "hakmem: %10s of it (%.0f%%, estimated) under %s", bytes(path.liveBytes()),
                            100 * path.share(), String.join(" <- ", path.frames())));
                }
            }
        }
        lines.add("hakmem: " + coverageLine(r));
        if (!r.debugFindings().isEmpty()) {
            lines.add("hakmem: debug mode found " + r.debugFindings().size() + " problem(s); see the WARN lines above and the report");
        }
        lines.add(written.isEmpty() ? "hakmem: full report: add report=hakmem.html (or .json, .txt) to the agent's options; report=off silences this"
                : "hakmem: full report: " + String.join(", ", written.stream().map(Path::toString).toList()));
        return lines;
    }

    /** The coverage ledger in one line: what hakmem saw by API, what the JDK's pool holds, NMT's total if on. */
    static String coverageLine(ReportSnapshot r) {
        Coverage c = r.coverage();
        String byApi = c.liveBytesByApi().isEmpty() ? "nothing live"
                : String.join(", ", c.liveBytesByApi().entrySet().stream().map(e -> e.getKey() + " " + bytes(e.getValue())).toList());
        String seen = "replace".equals(r.totals().get("mode")) ? "served" : "attributed";
        return "coverage: " + seen + " " + bytes(c.liveBytes()) + " live (" + byApi + "); the JDK's direct pool holds "
                + bytes(c.jdkDirectBytes()) + " no rewritten site made"
                + (c.nmtCommittedBytes() >= 0 ? "; NMT: the JVM commits " + bytes(c.nmtCommittedBytes()) + " native" : "");
    }

    /** Growing sites first (largest live bytes first among them), then the rest by live bytes. */
    static List<SiteRow> ranked(ReportSnapshot r) {
        List<SiteRow> live = new ArrayList<>(r.sites().stream().filter(s -> s.liveBytes() > 0).toList());
        live.sort(Comparator.comparing((SiteRow s) -> s.behaviour() != Behaviour.GROWING)
                .thenComparing(Comparator.comparingLong(SiteRow::liveBytes).reversed()));
        return live;
    }

    /** The full report: totals, then every site that allocated, by live bytes. */
    public static String full(ReportSnapshot r) {
        StringBuilder out = new StringBuilder(1024 + r.sites().size() * 200);
        out.append("hakmem report, ").append(Instant.ofEpochMilli(r.takenAtMillis())).append(" (")
                .append(duration(r.takenAtMillis() - r.startedAtMillis())).append(" after the agent started)\n\n");
        out.append("totals\n");
        r.totals().forEach((k, v) -> out.append(String.format(Locale.ROOT, "  %-22s %s%n", k, total(k, v))));
        out.append(String.format(Locale.ROOT, "  %-22s %s in %s buffers%n", "jdk direct pool", bytes(r.jdkDirectBytes()),
                count(r.jdkDirectCount())));
        Coverage c = r.coverage();
        out.append("\ncoverage\n");
        c.liveBytesByApi().forEach((api, b) -> out.append(String.format(Locale.ROOT, "  %-28s %s live%n", api, bytes(b))));
        out.append(String.format(Locale.ROOT, "  %-28s %s%n", "the JDK's direct pool", bytes(c.jdkDirectBytes())));
        out.append(String.format(Locale.ROOT, "  %-28s %s%n", "mapped by hakmem", bytes(c.hakmemMappedBytes())));
        out.append(String.format(Locale.ROOT, "  %-28s %s%n", "NMT committed (JVM)",
                c.nmtCommittedBytes() < 0 ? "-XX:NativeMemoryTracking=summary is off" : bytes(c.nmtCommittedBytes())));
        out.append("  not seen: ").append(String.join("; ", c.notSeen())).append('\n');
        out.append("\nsites by live bytes (trend: growing = live bytes kept rising, pool = churns within a band)\n");
        out.append("(oldest: the age of the oldest sampled block still live; below a site, the call paths that led to it,\n"
                + " the site's live bytes shared out by sampled estimates)\n");
        out.append(String.format(Locale.ROOT, "%10s %8s %10s %10s %12s %12s %9s  %-8s %s%n", "live", "blocks", "peak", "allocated",
                "allocations", "frees", "oldest", "trend", "site"));
        for (SiteRow s : r.sites()) {
            if (s.allocations() == 0) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "%10s %8s %10s %10s %12s %12s %9s  %-8s %s [%s]%n", bytes(s.liveBytes()),
                    count(s.liveBlocks()), bytes(s.peakLiveBytes()), bytes(s.bytesAllocated()), count(s.allocations()),
                    count(s.frees()), age(s.oldestLiveAgeMillis(r.takenAtMillis())), trend(s.behaviour()), s.site().location(),
                    s.site().api().label()));
            s.paths().stream().filter(p -> p.liveBytes() > 0 || p.estimatedBytesAllocated() > 0).limit(PATHS_SHOWN).forEach(p ->
                    out.append(String.format(Locale.ROOT, "%10s %7.0f%%  %s allocated on it (estimated), under %s%n",
                            bytes(p.liveBytes()), 100 * p.share(), bytes(p.estimatedBytesAllocated()), String.join(" <- ", p.frames()))));
        }
        long idle = r.sites().stream().filter(s -> s.allocations() == 0).count();
        if (idle > 0) {
            out.append("(").append(idle).append(" more rewritten call sites never ran)\n");
        }
        List<SiteRow> growing = r.leakView();
        out.append("\nleak view: sites whose live bytes kept rising, those that never freed their first blocks first\n");
        if (growing.isEmpty()) {
            out.append("  none\n");
        }
        growing.forEach(s -> out.append("  ").append(bytes(s.liveBytes())).append("  oldest block ")
                .append(age(s.oldestLiveAgeMillis(r.takenAtMillis()))).append(r.keepsItsFirstBlocks(s) ? " (since the start)" : "")
                .append("  ").append(s.site().location()).append('\n'));
        if (!r.debugFindings().isEmpty()) {
            out.append("\ndebug findings\n");
            r.debugFindings().forEach(f -> out.append("  ").append(f).append('\n'));
        }
        return out.toString();
    }

    /** A total as shown to people: byte counts also in KiB, MiB ... */
    static String total(String name, Object value) {
        return value instanceof Long n && name.toLowerCase(Locale.ROOT).contains("bytes") ? bytes(n) + " (" + n + ")"
                : String.valueOf(value);
    }

    static String trend(Behaviour b) {
        return b == Behaviour.GROWING ? "growing" : b == Behaviour.POOL ? "pool" : b == Behaviour.STEADY ? "steady" : "-";
    }

    /** {@code 512 B}, {@code 12.0 KiB}, {@code 3.4 MiB}, {@code 1.2 GiB}. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** An age as {@link #duration}, or "-" if unknown. */
    static String age(long millis) {
        return millis < 0 ? "-" : duration(millis);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String duration(long millis) {
        Duration d = Duration.ofMillis(Math.max(0, millis));
        return d.toHours() > 0 ? d.toHours() + " h " + d.toMinutesPart() + " min"
                : d.toMinutes() > 0 ? d.toMinutes() + " min " + d.toSecondsPart() + " s"
                : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
