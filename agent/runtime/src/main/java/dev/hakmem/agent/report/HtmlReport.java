package dev.hakmem.agent.report;

import dev.hakmem.DebugFinding;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The report as one self-contained HTML page ({@code report=FILE.html}): no network, no scripts from
 * elsewhere; its charts are SVG drawn here, and one small inline script sorts the table. It shows the
 * top sites by live bytes, live bytes over time (the total and the top sites), the leak view (growing
 * sites), the pool view, every site in a sortable table, and debug mode's findings.
 */
public final class HtmlReport {
    static final int TOP_SITES = 10;
    /** Call paths listed per site. */
    static final int PATHS_SHOWN = 8;
    static final int CHARTED_SITES = 5;
    /** Red marks growing sites, in the bars and the lines alike (shades of it, in turn, for several lines); the other sites take the other colours in turn. */
    private static final String GROWING = "#d62728";
    private static final String[] GROWING_LINES = {GROWING, "#ff7f7f", "#8b0000", "#e377c2"};
    private static final String[] COLOURS = {"#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"};
    private static final int WIDTH = 900;

    private HtmlReport() {
    }

    public static String render(ReportSnapshot r) {
        StringBuilder h = new StringBuilder(16_384 + r.sites().size() * 400);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hakmem report</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}")
                .append("h1{font-size:22px}h2{font-size:17px;margin-top:28px}")
                .append("table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}")
                .append("th{cursor:pointer;background:#f4f4f4}td.site,th.site{text-align:left;font-family:monospace}")
                .append(".totals td{text-align:left}h3{font-size:14px;font-weight:normal;margin:16px 0 4px}.growing{color:#b00;font-weight:bold}.pool{color:#070}")
                .append("svg text{font-size:11px;font-family:monospace}\n</style></head><body>\n");
        h.append("<h1>hakmem: direct memory by call site</h1>\n<p>").append(esc(String.valueOf(r.totals().get("mode"))))
                .append(" mode, taken ").append(Instant.ofEpochMilli(r.takenAtMillis())).append(", ")
                .append(TextReport.duration(r.takenAtMillis() - r.startedAtMillis())).append(" after the agent started.</p>\n");
        totals(h, r);
        h.append("<h2>Coverage</h2>\n<p>").append(esc(TextReport.coverageLine(r))).append(". Not seen: ")
                .append(esc(String.join("; ", r.coverage().notSeen()))).append(".</p>\n");
        h.append("<h2>Top sites by live bytes</h2>\n");
        topBars(h, r);
        h.append("<h2>Live bytes over time</h2>\n");
        overTime(h, r);
        h.append("<h2>Leak view: sites whose live bytes kept rising, those that never freed their first blocks first</h2>\n");
        view(h, r, Behaviour.GROWING, "No site's live bytes kept rising.");
        h.append("<h2>Pool view: sites that allocate and free within a band</h2>\n");
        view(h, r, Behaviour.POOL, "No site behaves as a pool.");
        h.append("<h2>Call paths: where the top sites' memory came from</h2>\n");
        callPaths(h, r);
        h.append("<h2>Every site that allocated</h2>\n<p>Click a column to sort.</p>\n");
        table(h, r);
        if (!r.debugFindings().isEmpty()) {
            h.append("<h2>Debug mode's findings</h2>\n<ul>\n");
            for (DebugFinding f : r.debugFindings()) {
                h.append("<li>").append(esc(f.toString())).append("</li>\n");
            }
            h.append("</ul>\n");
        }
        h.append("<script>\n")
                .append("document.querySelectorAll('table.sortable th').forEach(function(th,col){th.onclick=function(){")
                .append("var body=th.closest('table').tBodies[0],rows=Array.from(body.rows),asc=th.dataset.asc!=='1';")
                .append("th.dataset.asc=asc?'1':'0';rows.sort(function(a,b){var x=a.cells[col].dataset.v,y=b.cells[col].dataset.v;")
                .append("var n=(x!==undefined)?(Number(x)-Number(y)):a.cells[col].textContent.localeCompare(b.cells[col].textContent);")
                .append("return asc?n:-n;});rows.forEach(function(r){body.appendChild(r);});};});\n</script>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void totals(StringBuilder h, ReportSnapshot r) {
        h.append("<table class=\"totals\">\n");
        row(h, "live", TextReport.bytes(r.total("liveBytes")) + " in " + TextReport.count(r.total("liveBlocks")) + " blocks");
        row(h, "allocated", TextReport.bytes(r.total("bytesAllocated")) + " in " + TextReport.count(r.total("allocations"))
                + " allocations, " + TextReport.count(r.total("frees")) + " frees");
        row(h, "call sites", r.sites().stream().filter(s -> s.allocations() > 0).count() + " of " + r.sites().size() + " ran");
        row(h, "the JDK's own direct pool", TextReport.bytes(r.jdkDirectBytes()) + " in " + TextReport.count(r.jdkDirectCount())
                + " buffers no rewritten site made");
        r.totals().forEach((k, v) -> {
            if (!List.of("sites", "allocations", "frees", "bytesAllocated", "liveBytes", "liveBlocks").contains(k)) {
                row(h, k, TextReport.total(k, v));
            }
        });
        h.append("</table>\n");
    }

    private static void row(StringBuilder h, String name, String value) {
        h.append("<tr><td>").append(esc(name)).append("</td><td>").append(esc(value)).append("</td></tr>\n");
    }

    private static void topBars(StringBuilder h, ReportSnapshot r) {
        List<SiteRow> top = r.topByLiveBytes(TOP_SITES);
        if (top.isEmpty()) {
            h.append("<p>No site holds live bytes.</p>\n");
            return;
        }
        long max = top.getFirst().liveBytes();
        int barHeight = 18;
        int labelWidth = 420;
        h.append("<svg id=\"top-sites\" width=\"").append(WIDTH).append("\" height=\"").append(top.size() * (barHeight + 6) + 10)
                .append("\" role=\"img\" aria-label=\"top sites by live bytes\">\n");
        for (int i = 0; i < top.size(); i++) {
            SiteRow s = top.get(i);
            int y = 5 + i * (barHeight + 6);
            int w = (int) Math.max(1, (WIDTH - labelWidth - 90) * (double) s.liveBytes() / max);
            h.append("<text x=\"").append(labelWidth - 6).append("\" y=\"").append(y + 13).append("\" text-anchor=\"end\">")
                    .append(esc(shorten(s.site().location(), 60))).append("</text>")
                    .append("<rect x=\"").append(labelWidth).append("\" y=\"").append(y).append("\" width=\"").append(w)
                    .append("\" height=\"").append(barHeight).append("\" fill=\"")
                    .append(s.behaviour() == Behaviour.GROWING ? GROWING : COLOURS[0]).append("\"><title>")
                    .append(esc(s.site().location())).append("</title></rect>")
                    .append("<text x=\"").append(labelWidth + w + 6).append("\" y=\"").append(y + 13).append("\">")
                    .append(esc(TextReport.bytes(s.liveBytes()))).append("</text>\n");
        }
        h.append("</svg>\n");
    }

    private static void overTime(StringBuilder h, ReportSnapshot r) {
        List<LiveHistory.Point> points = r.history();
        if (points.size() < 2) {
            h.append("<p>Too short a run for a history (one point per snapshot interval; the agent option snapshot= sets it).</p>\n");
            return;
        }
        int height = 280;
        int left = 80;
        int bottom = 30;
        long t0 = points.getFirst().atMillis();
        long span = Math.max(1, points.getLast().atMillis() - t0);
        long max = 1;
        for (LiveHistory.Point p : points) {
            max = Math.max(max, p.liveBytes());
        }
        List<SiteRow> charted = r.topByLiveBytes(CHARTED_SITES);
        h.append("<svg id=\"over-time\" width=\"").append(WIDTH).append("\" height=\"").append(height + 20 + 16 * (charted.size() + 1))
                .append("\" role=\"img\" aria-label=\"live bytes over time\">\n");
        h.append("<line x1=\"").append(left).append("\" y1=\"").append(height - bottom).append("\" x2=\"").append(WIDTH - 10)
                .append("\" y2=\"").append(height - bottom).append("\" stroke=\"#888\"/>")
                .append("<line x1=\"").append(left).append("\" y1=\"10\" x2=\"").append(left).append("\" y2=\"").append(height - bottom)
                .append("\" stroke=\"#888\"/>\n");
        h.append("<text x=\"").append(left - 6).append("\" y=\"16\" text-anchor=\"end\">").append(esc(TextReport.bytes(max))).append("</text>")
                .append("<text x=\"").append(left - 6).append("\" y=\"").append(height - bottom).append("\" text-anchor=\"end\">0</text>")
                .append("<text x=\"").append(WIDTH - 10).append("\" y=\"").append(height - bottom + 16).append("\" text-anchor=\"end\">")
                .append(esc(TextReport.duration(span))).append("</text>\n");
        int growingSeen = 0;
        int othersSeen = 0;
        for (int series = -1; series < charted.size(); series++) {
            StringBuilder line = new StringBuilder();
            for (LiveHistory.Point p : points) {
                long v = series < 0 ? p.liveBytes() : p.liveBytesOf(charted.get(series).site().id());
                double x = left + (WIDTH - 10 - left) * (double) (p.atMillis() - t0) / span;
                double y = (height - bottom) - (height - bottom - 10) * (double) v / max;
                line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            String colour = series < 0 ? "#444"
                    : charted.get(series).behaviour() == Behaviour.GROWING ? GROWING_LINES[growingSeen++ % GROWING_LINES.length]
                    : COLOURS[othersSeen++ % COLOURS.length];
            h.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"").append(series < 0 ? 2 : 1.5)
                    .append("\" points=\"").append(line.toString().strip()).append("\"/>\n");
            int ly = height + 10 + 16 * (series + 1);
            h.append("<rect x=\"").append(left).append("\" y=\"").append(ly - 9).append("\" width=\"12\" height=\"3\" fill=\"")
                    .append(colour).append("\"/><text x=\"").append(left + 18).append("\" y=\"").append(ly).append("\">")
                    .append(series < 0 ? "all sites" : esc(charted.get(series).site().location())).append("</text>\n");
        }
        h.append("</svg>\n");
    }

    private static void view(StringBuilder h, ReportSnapshot r, Behaviour which, String none) {
        List<SiteRow> rows = which == Behaviour.GROWING ? r.leakView() : r.sites().stream().filter(s -> s.behaviour() == which).toList();
        if (rows.isEmpty()) {
            h.append("<p>").append(none).append("</p>\n");
            return;
        }
        h.append("<ul>\n");
        for (SiteRow s : rows) {
            h.append("<li><code>").append(esc(s.site().location())).append("</code> [").append(esc(s.site().api().label()))
                    .append("]: ").append(TextReport.bytes(s.liveBytes())).append(" live in ").append(TextReport.count(s.liveBlocks()))
                    .append(" blocks, peak ").append(TextReport.bytes(s.peakLiveBytes())).append(", ")
                    .append(TextReport.count(s.allocations())).append(" allocations, ").append(TextReport.count(s.frees()))
                    .append(" frees");
            long age = s.oldestLiveAgeMillis(r.takenAtMillis());
            if (age >= 0) {
                h.append(", oldest live block ").append(TextReport.duration(age)).append(" old")
                        .append(which == Behaviour.GROWING && r.keepsItsFirstBlocks(s) ? " (it never freed its first blocks)" : "");
            }
            h.append("</li>\n");
        }
        h.append("</ul>\n");
    }

    /** For each of the top sites that has call paths: a table of them, the site's live bytes shared out by the samples. */
    private static void callPaths(StringBuilder h, ReportSnapshot r) {
        List<SiteRow> withPaths = r.topByLiveBytes(TOP_SITES).stream().filter(s -> !s.paths().isEmpty()).toList();
        if (withPaths.isEmpty()) {
            h.append("<p>No call paths: they come from sampled allocations (agent option <code>stacks=</code>).</p>\n");
            return;
        }
        h.append("<p>The frames that led to each site (the first ones outside the site's own library), from sampled ")
                .append("allocations: a path's share of the site's live bytes is estimated.</p>\n");
        for (SiteRow s : withPaths) {
            h.append("<h3><code>").append(esc(s.site().location())).append("</code>: ").append(TextReport.bytes(s.liveBytes()))
                    .append(" live</h3>\n<table class=\"sortable paths\"><thead><tr><th>live (est.)</th><th>share</th>")
                    .append("<th>allocated (est.)</th><th>sampled</th><th>oldest</th><th class=\"site\">call path (innermost first)</th>")
                    .append("</tr></thead><tbody>\n");
            for (PathRow p : s.paths().stream().limit(PATHS_SHOWN).toList()) {
                h.append("<tr>");
                num(h, p.liveBytes(), TextReport.bytes(p.liveBytes()));
                num(h, Math.round(p.share() * 1000), String.format(java.util.Locale.ROOT, "%.0f%%", 100 * p.share()));
                num(h, p.estimatedBytesAllocated(), TextReport.bytes(p.estimatedBytesAllocated()));
                num(h, p.sampledAllocations(), TextReport.count(p.sampledAllocations()));
                long age = p.oldestLiveAtMillis() == 0 ? -1 : Math.max(0, r.takenAtMillis() - p.oldestLiveAtMillis());
                num(h, age, TextReport.age(age));
                h.append("<td class=\"site\">").append(esc(String.join("\n  <- ", p.frames())).replace("\n", "<br>"))
                        .append("</td></tr>\n");
            }
            h.append("</tbody></table>\n");
        }
    }

    private static void table(StringBuilder h, ReportSnapshot r) {
        h.append("<table class=\"sortable\" id=\"sites\"><thead><tr><th>live</th><th>blocks</th><th>peak</th><th>allocated</th>")
                .append("<th>allocations</th><th>frees</th><th>oldest</th><th>trend</th><th class=\"site\">site</th>")
                .append("<th class=\"site\">API</th></tr></thead><tbody>\n");
        for (SiteRow s : r.sites()) {
            if (s.allocations() == 0) {
                continue;
            }
            String trend = TextReport.trend(s.behaviour());
            h.append("<tr>");
            num(h, s.liveBytes(), TextReport.bytes(s.liveBytes()));
            num(h, s.liveBlocks(), TextReport.count(s.liveBlocks()));
            num(h, s.peakLiveBytes(), TextReport.bytes(s.peakLiveBytes()));
            num(h, s.bytesAllocated(), TextReport.bytes(s.bytesAllocated()));
            num(h, s.allocations(), TextReport.count(s.allocations()));
            num(h, s.frees(), TextReport.count(s.frees()));
            long age = s.oldestLiveAgeMillis(r.takenAtMillis());
            num(h, age, TextReport.age(age));
            h.append("<td class=\"").append(trend).append("\">").append(trend).append("</td><td class=\"site\">")
                    .append(esc(s.site().location())).append("</td><td class=\"site\">").append(esc(s.site().api().label()))
                    .append("</td></tr>\n");
        }
        h.append("</tbody></table>\n");
    }

    private static void num(StringBuilder h, long value, String shown) {
        h.append("<td data-v=\"").append(value).append("\">").append(esc(shown)).append("</td>");
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : "…" + s.substring(s.length() - max + 1);
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
