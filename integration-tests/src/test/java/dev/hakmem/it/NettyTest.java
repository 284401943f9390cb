package dev.hakmem.it;

import dev.hakmem.it.apps.NettyApp;
import dev.hakmem.it.apps.NettyHttpApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentSkipListMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty 4.2.7 (from Maven Central) under the agent: its pooled, adaptive and unpooled allocators and a NIO
 * echo over 127.0.0.1 work on every setting, and the report says which of Netty's paths hakmem served.
 * Netty picks its direct-memory path at start-up (the {@code netty.cleaner} line):
 * <ul>
 *   <li>JDK 25 defaults: no {@code sun.misc.Unsafe} ({@code io.netty.noUnsafe} is true by default on 25+),
 *       {@code CleanerJava25}: {@code Arena.ofShared().allocate(n).asByteBuffer()}, freed by closing the arena;</li>
 *   <li>with native access granted: {@code CleanerJava24Linker}, glibc malloc/free through FFM downcalls;</li>
 *   <li>Unsafe allowed: {@code CleanerJava9}, {@code ByteBuffer.allocateDirect} freed by {@code invokeCleaner}
 *       through a method handle;</li>
 *   <li>Unsafe allowed and {@code java.nio} opened: {@code DirectCleaner}, {@code Unsafe.allocateMemory} under
 *       a cleaner-less {@code DirectByteBuffer}, freed by {@code Unsafe.freeMemory}.</li>
 * </ul>
 * The findings of each run go to stdout and to {@code target/child-jvms/netty-findings.md}.
 */
class NettyTest {
    private static final ConcurrentSkipListMap<String, String> FINDINGS = new ConcurrentSkipListMap<>();
    private static final int WRK_CONNECTIONS = 8;
    private static final int WRK_SECONDS = 4;

    @TempDir
    Path dir;

    /**
     * On JDK 25's defaults Netty takes its chunks from FFM arenas; hakmem serves them through the JDK's
     * funnel: at exit its sites at {@code CleanerJava25} hold at least 95% of the bytes Netty's own metrics
     * say its pools hold (hakmem counts block sizes, so it may hold a little more).
     */
    @Test
    void shouldServeNettysChunksOnJdk25DefaultsWhereNettyAllocatesThroughFfmArenas() {
        Run run = run("a: JDK 25 defaults");
        assertEquals("CleanerJava25", run.result.value("netty.cleaner"), "Netty's path on JDK 25 defaults");
        share(run, "a: JDK 25 defaults");
        long netty = Long.parseLong(run.result.value("nettyDirectBytes"));
        long served = run.report.sites().stream()
                .filter(s -> s.className().startsWith("io.netty.") && s.api().equals("Arena.allocate")).mapToLong(Report.Site::liveBytes).sum();
        assertTrue(netty > 0, "Netty's pools hold chunks at exit: " + netty);
        assertTrue(served >= netty * 95 / 100, "hakmem serves " + served + " of the " + netty + " bytes Netty's pools hold ("
                + (100 * served / netty) + "%)\n" + run.report.text());
        System.out.println("Netty on JDK 25 defaults: hakmem serves " + served + " bytes, Netty's pools count " + netty + " ("
                + (100 * served / netty) + "%)");
        // the call paths above Netty's chunk allocation name the program's frames that made Netty allocate
        Report.Site chunks = run.report.sites().stream().filter(s -> s.className().equals("io.netty.util.internal.CleanerJava25"))
                .max(java.util.Comparator.comparingLong(Report.Site::liveBytes)).orElseThrow();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> paths = (List<Map<String, Object>>) chunks.fields().get("paths");
        assertFalse(paths.isEmpty(), "no call paths above " + chunks);
        // which chunks are sampled varies from run to run (a few large blocks, one sample per 16 MiB), and a
        // chunk taken on an event loop has only Netty's frames above it: so no assertion on which path holds most
        assertTrue(paths.stream().anyMatch(p -> ((String) ((List<?>) p.get("frames")).getFirst()).startsWith(NettyApp.class.getName() + ".")),
                "a path starts at the program, past Netty's frames: " + paths);
    }

    /**
     * The same under load: an HTTP server on Netty's transport and default allocator, with {@code wrk} on
     * 127.0.0.1, measured while the load runs (Netty's metrics, then at once the agent's report through its
     * MBean), not at exit.
     */
    @Test
    void shouldServeNettysChunksOnJdk25DefaultsWhileWrkLoadsAnHttpServer() throws Exception {
        Wrk.assumeInstalled();
        Path file = dir.resolve("under-load.json");
        try (ChildJvm.Running server = ChildJvm.of(NettyHttpApp.class).agent("").start()) {
            int port = Integer.parseInt(server.awaitLine(l -> l.startsWith("port="), Duration.ofSeconds(30)).substring("port=".length()));
            CompletableFuture<Wrk.Result> load = CompletableFuture.supplyAsync(() -> Wrk.run(port, WRK_CONNECTIONS, WRK_SECONDS));
            Thread.sleep(WRK_SECONDS * 1000L / 2);
            server.send("measure " + file);
            long netty = Long.parseLong(server.awaitLine(l -> l.startsWith("nettyDirectBytes="), Duration.ofSeconds(30))
                    .substring("nettyDirectBytes=".length()));
            server.awaitLine(l -> l.startsWith("measured="), Duration.ofSeconds(30));
            Wrk.Result wrk = load.get(WRK_SECONDS + 60L, TimeUnit.SECONDS).assertClean(1000);
            server.send("stop");
            ChildJvm.Result result = server.awaitExit(Duration.ofSeconds(30)).assertOk();
            Report report = Report.read(file, result);

            long served = report.sites().stream().filter(s -> s.className().startsWith("io.netty.") && s.api().equals("Arena.allocate"))
                    .mapToLong(Report.Site::liveBytes).sum();
            assertTrue(netty > 0, "Netty's allocator holds chunks under load: " + netty);
            String line = String.format("Under wrk -t1 -c%d -d%ds (%,.0f requests/s), halfway: hakmem serves %,d of the %,d bytes Netty's"
                    + " default allocator holds (%d%%)%n", WRK_CONNECTIONS, WRK_SECONDS, wrk.requestsPerSecond(), served, netty, 100 * served / netty);
            FINDINGS.merge("a: JDK 25 defaults", line, String::concat);
            System.out.print(line);
            assertTrue(served >= netty * 95 / 100, line + report.text());
            assertEquals(List.of(), SampleJvm.warnings(result), "no warning\n" + result.describe());
        }
    }

    /**
     * With native access Netty mallocs through an FFM downcall handle, which no call site and no funnel of the
     * JDK's shows hakmem: it serves none of Netty's chunks, and the report's coverage says what it cannot see.
     */
    @Test
    void shouldRunWithNativeAccessWhereNettyCallsMallocThroughFfmAndNameWhatItDoesNotSee() {
        Run run = run("a2: --enable-native-access", "--enable-native-access=ALL-UNNAMED");
        assertEquals("CleanerJava24Linker", run.result.value("netty.cleaner"), "Netty's path with native access");
        long percent = share(run, "a2: --enable-native-access");
        assertTrue(percent <= 5, "hakmem cannot see Netty's malloc through a downcall handle, yet served " + percent + "%\n" + run.report.text());
        assertTrue(notSeen(run.report).stream().anyMatch(line -> line.contains("downcall")),
                "the report's coverage names malloc through downcall handles as not seen: " + notSeen(run.report));
    }

    /** Unsafe allowed: {@code CleanerJava9}'s {@code allocateDirect}, served at its call site. */
    @Test
    void shouldServeNettysAllocateDirectWhenItsUnsafePathIsAllowed() {
        Run run = run("b: Unsafe allowed", "--sun-misc-unsafe-memory-access=allow", "-Dio.netty.noUnsafe=false");
        assertEquals("CleanerJava9", run.result.value("netty.cleaner"), "Netty's path with Unsafe allowed");
        Report.Site site = servedSite(run.report, "io.netty.util.internal.CleanerJava9", "allocate", "ByteBuffer.allocateDirect");
        assertTrue(site.frees() > 0, "Netty's frees (invokeCleaner through a method handle) reached hakmem: " + site);
        long percent = share(run, "b: Unsafe allowed");
        assertTrue(percent >= 95, "hakmem serves " + percent + "% of the bytes Netty's pools hold\n" + run.report.text());
    }

    /** Unsafe allowed and {@code java.nio} opened: {@code PlatformDependent0}'s {@code Unsafe.allocateMemory}, served at its call site. */
    @Test
    void shouldServeNettysAllocateMemoryWhenItsNoCleanerPathIsEnabled() {
        Run run = run("c: Unsafe allowed, java.nio opened", "--sun-misc-unsafe-memory-access=allow", "-Dio.netty.noUnsafe=false",
                "-Dio.netty.tryReflectionSetAccessible=true", "--add-opens=java.base/java.nio=ALL-UNNAMED");
        assertEquals("DirectCleaner", run.result.value("netty.cleaner"), "Netty's path with Unsafe and the no-cleaner constructor");
        Report.Site site = servedSite(run.report, "io.netty.util.internal.PlatformDependent0", "allocateDirectNoCleaner",
                "Unsafe.allocateMemory");
        assertTrue(site.frees() > 0, "Netty's Unsafe.freeMemory reached hakmem: " + site);
        long percent = share(run, "c: Unsafe allowed, java.nio opened");
        assertTrue(percent >= 95, "hakmem serves " + percent + "% of the bytes Netty's pools hold\n" + run.report.text());
    }

    /**
     * @return the live bytes at Netty's sites at exit (whatever the API) as a percentage of what Netty's pool
     *         metrics count; recorded with the findings
     */
    private static long share(Run run, String label) {
        long netty = Long.parseLong(run.result.value("nettyDirectBytes"));
        long served = run.report.sites().stream().filter(s -> s.className().startsWith("io.netty.")).mapToLong(Report.Site::liveBytes).sum();
        assertTrue(netty > 0, "Netty's pools hold chunks at exit: " + netty);
        long percent = 100 * served / netty;
        String line = String.format("Share of Netty's direct bytes served by hakmem at exit: %,d of %,d (%d%%)%n", served, netty, percent);
        FINDINGS.merge(label, line, String::concat);
        System.out.print(label + ": " + line);
        return percent;
    }

    @SuppressWarnings("unchecked")
    private static List<String> notSeen(Report report) {
        Object coverage = report.root().get("coverage");
        assertTrue(coverage instanceof java.util.Map, "the report has a coverage section:\n" + report.text());
        return (List<String>) ((java.util.Map<String, Object>) coverage).get("notSeen");
    }

    private record Run(ChildJvm.Result result, Report report) {
    }

    private Run run(String label, String... flags) {
        Path file = dir.resolve("report.json");
        ChildJvm.Result result = ChildJvm.of(NettyApp.class).agent("report=" + file).jvm(flags).run().assertOk();
        Report report = Report.read(file, result);
        assertEquals("ok", result.value("echo"), "the echo over 127.0.0.1");
        assertEquals(0, report.total("invalidFrees"), "totals.invalidFrees\n" + report.text());
        assertFalse(result.stderr().contains("ERROR"), "errors on stderr:\n" + result.describe());
        for (Report.Site site : report.sites()) {
            assertTrue(site.frees() <= site.allocations(), "more frees than allocations: " + site);
        }
        record(label, flags, result, report);
        return new Run(result, report);
    }

    private static Report.Site servedSite(Report report, String className, String method, String api) {
        List<Report.Site> served = report.sitesOf(className).stream()
                .filter(s -> s.method().equals(method) && s.api().equals(api) && s.allocations() > 0).toList();
        assertEquals(1, served.size(), "expected hakmem to serve " + className + "." + method + " (" + api + "); Netty's sites:\n"
                + Report.describe(report.sites().stream().filter(s -> s.className().startsWith("io.netty")).toList()));
        return served.getFirst();
    }

    private static void record(String label, String[] flags, ChildJvm.Result result, Report report) {
        StringBuilder text = new StringBuilder("### " + label + "\nJVM flags: `" + (flags.length == 0 ? "(none)" : String.join(" ", flags)) + "`\n\n");
        text.append("Netty: hasUnsafe=").append(result.value("netty.hasUnsafe"))
                .append(", cleaner=").append(result.value("netty.cleaner"))
                .append(", no-cleaner constructor=").append(result.value("netty.noCleanerConstructor")).append("\n\n");
        text.append("| Netty site | api | allocations | frees | bytes allocated | live at exit |\n|---|---|---:|---:|---:|---:|\n");
        report.sites().stream().filter(s -> s.className().startsWith("io.netty") && s.allocations() + s.frees() > 0)
                .forEach(s -> text.append("| ").append(s.className()).append('.').append(s.method()).append(':').append(s.line())
                        .append(" | ").append(s.api()).append(" | ").append(s.allocations()).append(" | ").append(s.frees())
                        .append(" | ").append(s.bytesAllocated()).append(" | ").append(s.liveBytes()).append(" |\n"));
        long netty = report.sites().stream().filter(s -> s.className().startsWith("io.netty")).count();
        text.append("\nRewritten Netty sites: ").append(netty).append("; JDK's direct pool at exit (report): ")
                .append(report.jdkDirectCount()).append(" buffers, ").append(report.jdkDirectBytes())
                .append(" bytes; in the program after the echo: ").append(result.value("jdkDirectCount")).append(" buffers, ")
                .append(result.value("jdkDirectBytes")).append(" bytes\n");
        FINDINGS.put(label, text.toString());
        System.out.println(text);
    }

    @AfterAll
    static void writeFindings() throws IOException {
        Path out = Path.of(System.getProperty("hakmem.it.output", System.getProperty("java.io.tmpdir")), "netty-findings.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, "## Netty 4.2.7 under the hakmem agent\n\n" + String.join("\n", FINDINGS.values()));
    }
}
