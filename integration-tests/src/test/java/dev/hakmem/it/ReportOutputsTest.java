package dev.hakmem.it;

import dev.hakmem.it.apps.LeakApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the agent shows a user: the summary on stderr at exit (by default), and the full report as
 * JSON, text and HTML. {@link LeakApp} runs a pool and a leak side by side: the leak's line must come
 * first in the summary, marked growing, and the pool must be told from it.
 */
class ReportOutputsTest {
    private static final String ALLOW = "--sun-misc-unsafe-memory-access=allow";

    @TempDir
    Path dir;

    private ChildJvm.Result runLeak(String options) {
        return ChildJvm.of(LeakApp.class).agent(options).jvm(ALLOW).args("30", "60").run().assertOk();
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldPutTheLeakingLineFirstInTheSummaryAndTellThePoolFromIt() throws IOException {
        Path json = dir.resolve("r.json");
        Path text = dir.resolve("r.txt");
        ChildJvm.Result run = ChildJvm.of(LeakApp.class).agent("snapshot=50ms,report=" + json + ",report=" + text)
                .jvm(ALLOW, "-XX:NativeMemoryTracking=summary").args("30", "60").run().assertOk();
        int leakLine = Sources.line(LeakApp.class, "leak");
        int poolLine = Sources.line(LeakApp.class, "pool");

        List<String> summary = run.stderrLines(l -> l.startsWith("hakmem: "));
        assertTrue(summary.size() >= 4 && summary.size() <= 12, "a short summary:\n" + run.describe());
        assertTrue(summary.get(0).contains("replace mode") && summary.get(0).contains("live"), summary.get(0));
        assertTrue(summary.get(2).contains("LeakApp.java:" + leakLine + ")") && summary.get(2).contains("growing"),
                "the leaking line comes first, marked growing:\n" + String.join("\n", summary));
        assertTrue(summary.getLast().contains(json.toString()) && summary.getLast().contains(text.toString()),
                "the summary says where the full reports went:\n" + String.join("\n", summary));

        Report report = Report.read(json, run);
        Report.Site leak = report.site(LeakApp.class, "leak", "Unsafe.allocateMemory");
        Report.Site pool = report.site(LeakApp.class, "pool", "Unsafe.allocateMemory");
        assertEquals("growing", leak.fields().get("behaviour"), report.text());
        assertEquals("pool", pool.fields().get("behaviour"), report.text());
        assertEquals(30L * 8 * 16 * 1024, leak.liveBytes(), "every leaked block is live");
        long leakAge = (Long) leak.fields().get("oldestLiveAgeMillis");
        assertTrue(leakAge >= 1_000, "the leak's first block lives from its first round, 1.8 s before the end: " + leakAge + " ms");
        Object poolAge = pool.fields().get("oldestLiveAgeMillis");
        assertTrue(poolAge == null || (Long) poolAge < leakAge, "the pool frees its old blocks: " + poolAge);
        assertTrue(leak.fields().get("peakAt") instanceof String, "the peak has a time");
        assertTrue(report.sites().getFirst().line() == leakLine, "the JSON lists sites by live bytes, the leak first");
        assertEquals(report.total("allocatorLiveBytes"), report.total("liveBytes"), "the sites' sum reconciles with the allocator's own count");
        assertEquals(report.total("allocatorLiveBlocks"), report.total("liveBlocks"));
        Map<String, Object> coverage = (Map<String, Object>) report.root().get("coverage");
        assertEquals(Map.of("Unsafe.allocateMemory", report.total("liveBytes")), coverage.get("liveBytesByApi"), "the ledger by API");
        assertTrue((Long) coverage.get("nmtCommittedBytes") > 0, "NMT's total, read because the run turned NMT on: " + coverage);
        assertTrue(summary.stream().anyMatch(l -> l.startsWith("hakmem: coverage: served 3.8 MiB live (Unsafe.allocateMemory 3.8 MiB)")
                && l.contains("NMT: the JVM commits")), "the ledger in the summary:\n" + String.join("\n", summary));

        String full = Files.readString(text);
        assertTrue(full.contains("leak view") && full.substring(full.indexOf("leak view")).contains("LeakApp.java:" + leakLine),
                "the text report's leak view names the leak:\n" + full);
        assertTrue(full.contains("LeakApp.java:" + poolLine), full);
    }

    @Test
    void shouldWriteASelfContainedHtmlPageThatABrowserRenders() throws Exception {
        Path html = dir.resolve("r.html");
        runLeak("snapshot=50ms,report=off,report=" + html);
        String page = Files.readString(html);
        assertTrue(page.startsWith("<!DOCTYPE html>") && page.endsWith("</html>\n"), "a whole page");
        assertTrue(page.contains("<svg id=\"top-sites\"") && page.contains("<svg id=\"over-time\"") && page.contains("<table class=\"sortable\""),
                "both charts and the table");
        assertTrue(page.contains("LeakApp.java:" + Sources.line(LeakApp.class, "leak")), "names the leak");
        assertTrue(!page.contains("http://") && !page.contains("https://") && !page.contains("src=\""), "nothing loaded from elsewhere");

        Path chromium = Path.of("/usr/bin/chromium");
        assumeTrue(Files.isExecutable(chromium), "no /usr/bin/chromium: apt-get install -y chromium (.ci/run does) to render the page");
        Path png = dir.resolve("report.png");
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + dir.resolve("chromium-profile"), "--window-size=1200,1800",
                "--screenshot=" + png, html.toUri().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium did not finish");
        assertTrue(Files.size(png) > 20_000, "a screenshot with content: " + Files.size(png) + " bytes; "
                + Files.readString(dir.resolve("chromium.log")));
        Path kept = Path.of(System.getProperty("hakmem.it.output", dir.toString()), "report-screenshot.png");
        Files.createDirectories(kept.getParent());
        Files.copy(png, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** {@code java -jar hakmem-agent.jar}: a JSON report as text and HTML, and the diff of two runs naming the grower. */
    @Test
    void shouldRenderAndDiffReportsFromTheCommandLine() throws Exception {
        Path shortRun = dir.resolve("short.json");
        Path longRun = dir.resolve("long.json");
        ChildJvm.of(LeakApp.class).agent("report=off,report=" + shortRun).jvm(ALLOW).args("5", "10").run().assertOk();
        ChildJvm.of(LeakApp.class).agent("report=off,report=" + longRun).jvm(ALLOW).args("20", "10").run().assertOk();
        int leakLine = Sources.line(LeakApp.class, "leak");

        Tool text = tool(longRun.toString());
        assertEquals(0, text.exit, text.err);
        assertTrue(text.out.contains("LeakApp.java:" + leakLine) && text.out.contains("liveBytes"), text.out);

        Tool diff = tool("diff", shortRun.toString(), longRun.toString());
        assertEquals(0, diff.exit, diff.err);
        List<String> lines = diff.out.lines().toList();
        assertTrue(lines.get(0).contains("+1.9 MiB"), "15 rounds of 8 leaked 16 KiB blocks more:\n" + diff.out);
        assertTrue(lines.get(2).contains("LeakApp.java:" + leakLine) && lines.get(2).endsWith("grew"), "the grower first:\n" + diff.out);

        Path html = dir.resolve("from-tool.html");
        Tool page = tool(longRun.toString(), "--html", html.toString());
        assertEquals(0, page.exit, page.err);
        assertTrue(Files.readString(html).contains("LeakApp.java:" + leakLine));

        Tool bad = tool(dir.resolve("missing.json").toString());
        assertEquals(1, bad.exit);
        assertTrue(bad.err.startsWith("hakmem: ") && bad.err.contains("missing.json"), "names the file: " + bad.err);
        Files.writeString(dir.resolve("not.json"), "{\"sites\": 3}");
        Tool notReport = tool(dir.resolve("not.json").toString());
        assertEquals(1, notReport.exit);
        assertTrue(notReport.err.contains("not a hakmem report"), notReport.err);
        Tool usage = tool("--what");
        assertEquals(2, usage.exit);
        assertTrue(usage.err.contains("usage: java -jar hakmem-agent.jar"), usage.err);
    }

    private record Tool(int exit, String out, String err) {
    }

    private Tool tool(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(ChildJvm.javaLauncher(), "-jar", ChildJvm.agentJar().toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "tool", ".out");
        Path err = Files.createTempFile(dir, "tool", ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the tool did not finish: " + command);
        return new Tool(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
