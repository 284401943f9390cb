package dev.hakmem.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NIO HTTP server of {@code sample-apps} ({@code nio-server.jar}, which knows nothing of hakmem) under
 * load from {@code wrk} on 127.0.0.1, with the agent in replace and observe mode and without it: wrk sees no
 * error, plain requests get the right bodies, the report names each of the server's direct-buffer lines
 * (found by their {@code // site:} markers in the sample's source), and once the load has stopped and the
 * server has closed its connections and run the GC, live bytes are back to the baseline: the one static
 * 404 buffer. Skipped, saying why, when {@code wrk} is not installed. Nothing on stderr is a warning with
 * the agent in replace mode; in observe mode the JDK's own JEP 498 notice for {@code invokeCleaner}, which
 * the server gets without the agent too, names the agent's bridge ({@link SampleJvm#assertOnlyTheJdksUnsafeNotice}).
 */
class NioServerSampleTest {
    private static final String JAR = "nio-server.jar";
    private static final String SERVER = "dev/hakmem/samples/nio/NioServer.java";
    private static final String REQUEST = "dev/hakmem/samples/nio/Request.java";
    private static final String ALLOCATE_DIRECT = "ByteBuffer.allocateDirect";
    private static final int BODY = 100;
    private static final int WRK_CONNECTIONS = 8;
    private static final int WRK_SECONDS = 3;
    private static final int HEAVY_BUFFER = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void shouldServeWrkCleanlyAndAttributeEveryBufferToItsLineAndReleaseThemAllAfterTheLoad() {
        Path file = dir.resolve("report.json");
        Served served = serve("replace", SampleJvm.of(JAR, dir).agent("report=" + file));
        Report report = Report.read(file, served.run);

        assertEquals("replace", report.totalText("mode"), "totals.mode");
        Report.Site baseline = perRequestSitesReleased(report, served.wrk, 1);
        assertEquals(baseline.liveBytes(), report.total("liveBytes"),
                "after the load, live bytes are back to the baseline (the static 404 buffer):\n" + report.text());
        assertEquals(0, report.jdkDirectCount(), "the JDK's direct pool: hakmem served every buffer\n" + report.text());
        assertEquals(0, report.total("invalidFrees"), "totals.invalidFrees");
        assertNoWarnings(served.run);
    }

    @Test
    void shouldServeTheAllocationHeavyModeCleanlyWith64KiBBuffersPerRequest() {
        Path file = dir.resolve("report.json");
        Served served = serve("replace, --heavy", SampleJvm.of(JAR, dir).agent("report=" + file).args("--heavy"));
        Report report = Report.read(file, served.run);

        perRequestSitesReleased(report, served.wrk, 1);
        for (String marker : List.of("request-copy", "response-buffer")) {
            Report.Site site = SampleJvm.site(report, marker.equals("request-copy") ? REQUEST : SERVER, marker, ALLOCATE_DIRECT);
            assertTrue(site.bytesAllocated() >= (long) HEAVY_BUFFER * site.allocations(), "64 KiB per request at " + site);
        }
        assertNoWarnings(served.run);
    }

    @Test
    void shouldAttributeTheSameLinesInObserveModeWhileTheJdkAllocates() {
        Path file = dir.resolve("report.json");
        Served served = serve("observe", SampleJvm.of(JAR, dir).agent("mode=observe,report=" + file));
        Report report = Report.read(file, served.run);

        assertEquals("observe", report.totalText("mode"), "totals.mode");
        Report.Site baseline = perRequestSitesReleased(report, served.wrk, 1);
        assertEquals(baseline.liveBytes(), report.total("liveBytes"), "back to the baseline:\n" + report.text());
        assertTrue(report.jdkDirectCount() >= 1, "observe mode: the JDK's pool holds the static buffer\n" + report.text());
        SampleJvm.assertOnlyTheJdksUnsafeNotice(served.run, "invokeCleaner");
    }

    @Test
    void shouldServeWrkCleanlyWithoutTheAgentWhereTheJdkWarnsOfInvokeCleaner() {
        Served served = serve("no agent", SampleJvm.of(JAR, dir));
        assertTrue(served.run.stderr().contains("sun.misc.Unsafe::invokeCleaner has been called by dev.hakmem.samples.nio.Cleaners"),
                "without the agent the JDK prints its JEP 498 warning for the server's invokeCleaner:\n" + served.run.describe());
    }

    private record Served(ChildJvm.Result run, Wrk.Result wrk) {
    }

    /** Starts the server, checks a body, runs wrk, checks again, asks it to shut down and waits for its exit. */
    private Served serve(String label, SampleJvm sample) {
        Wrk.assumeInstalled();
        sample.args("--port", "0", "--size", Integer.toString(BODY), "--seconds", "60");
        try (SampleJvm.Running server = sample.start()) {
            int port = server.port(Duration.ofSeconds(30));
            checkBodies(port);
            Wrk.Result wrk = Wrk.run(port, WRK_CONNECTIONS, WRK_SECONDS).assertClean(100);
            checkBodies(port);
            assertEquals(new SampleJvm.Response(404, "not found\n"), SampleJvm.get(port, "/nothing-here"), "GET /nothing-here");
            assertEquals(new SampleJvm.Response(200, "bye\n"), SampleJvm.get(port, "/shutdown"), "GET /shutdown");
            ChildJvm.Result run = server.awaitExit(Duration.ofSeconds(30));
            assertEquals(0, run.exit(), "the server failed:\n" + run.describe());
            System.out.printf("nio-server, %s: wrk -t1 -c%d -d%ds: %,d requests, %,.0f req/s%n", label, WRK_CONNECTIONS, WRK_SECONDS,
                    wrk.requests(), wrk.requestsPerSecond());
            return new Served(run, wrk);
        }
    }

    private static void checkBodies(int port) {
        assertEquals(new SampleJvm.Response(200, SampleJvm.expectedBody(BODY)), SampleJvm.get(port, "/"), "GET /");
    }

    /**
     * Every request of wrk went through the per-request lines, and every connection through the
     * per-connection line, and nothing of them is live any more; returns the static 404 buffer's site.
     */
    private static Report.Site perRequestSitesReleased(Report report, Wrk.Result wrk, int staticBuffers) {
        Report.Site copy = SampleJvm.site(report, REQUEST, "request-copy", ALLOCATE_DIRECT);
        assertEquals("dev.hakmem.samples.nio.Request", copy.className(), "class of " + copy);
        assertEquals("parse", copy.method(), "method of " + copy);
        Report.Site response = SampleJvm.site(report, SERVER, "response-buffer", ALLOCATE_DIRECT);
        assertEquals("responseBuffer", response.method(), "method of " + response);
        Report.Site connection = SampleJvm.site(report, SERVER, "connection-buffer", ALLOCATE_DIRECT);
        assertEquals("dev.hakmem.samples.nio.NioServer$Connection", connection.className(), "class of " + connection);
        for (Report.Site site : List.of(copy, response)) {
            assertTrue(site.allocations() >= wrk.requests(), "one buffer per request of wrk's " + wrk.requests() + " at " + site);
        }
        // the copies wait for the GC, so the 100 ms samples of peakLiveBytes see them; a response lives for microseconds
        assertTrue(copy.peakLiveBytes() > 0, "peakLiveBytes under load at " + copy);
        // released by the GC (request copies) or by invokeCleaner (responses, connections)
        for (Report.Site site : List.of(copy, response, connection)) {
            assertEquals(site.allocations(), site.frees(), "every buffer freed at " + site + "\n" + Report.describe(report.sites()));
            site.assertNothingLive();
        }
        assertTrue(connection.allocations() >= WRK_CONNECTIONS, "one buffer per connection at " + connection);
        Report.Site notFound = SampleJvm.site(report, SERVER, "static-404", ALLOCATE_DIRECT).assertCounts(1, 0);
        assertEquals(staticBuffers, notFound.liveBlocks(), "the static 404 buffer is live to the end: " + notFound);
        return notFound;
    }

    private static void assertNoWarnings(ChildJvm.Result run) {
        assertEquals(List.of(), SampleJvm.warnings(run), "nothing on stderr may be a warning with the agent:\n" + run.describe());
    }
}
