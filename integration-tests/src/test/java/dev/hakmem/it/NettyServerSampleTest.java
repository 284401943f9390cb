package dev.hakmem.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Netty 4.2.7 HTTP server of {@code sample-apps} ({@code netty-server.jar}: Netty's defaults, its
 * default allocator, no flags) under load from {@code wrk} on 127.0.0.1, with the agent in replace and
 * observe mode and without it: wrk sees no error and plain requests get the right bodies.
 *
 * <p><b>What hakmem sees of it.</b> On JDK 25's defaults Netty 4.2 has no {@code sun.misc.Unsafe}
 * ({@code io.netty.noUnsafe} is true on Java 25+) and takes all its direct memory through FFM,
 * {@code Arena.ofShared().allocate(n).asByteBuffer()} in its {@code CleanerJava25}, reached through
 * {@code invokeExact}: no call site of Netty's names it, but every native segment goes through the JDK's one
 * funnel, which the agent serves, attributing each segment to the first frame outside the JDK:
 * {@code CleanerJava25.allocate}. Netty's other paths ({@code PlatformDependent0}'s {@code Unsafe} calls,
 * {@code CleanerJava9}'s {@code allocateDirect}) are rewritten too, and idle. The JDK's "direct" pool counts
 * none of it. Skipped, saying why, when {@code wrk} is not installed.
 */
class NettyServerSampleTest {
    private static final String JAR = "netty-server.jar";
    private static final int BODY = 100;
    private static final int WRK_CONNECTIONS = 8;
    private static final int WRK_SECONDS = 3;

    @TempDir
    Path dir;

    @Test
    void shouldServeWrkCleanlyWithNettysChunksServedByHakmem() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = serve("replace", SampleJvm.of(JAR, dir).agent("report=" + file));
        Report report = Report.read(file, run);

        assertEquals("replace", report.totalText("mode"), "totals.mode");
        assertNettysChunksAttributedToItsFfmCleaner(report);
        assertEquals(List.of(), SampleJvm.warnings(run), "nothing on stderr may be a warning with the agent:\n" + run.describe());
    }

    @Test
    void shouldServeWrkCleanlyInObserveModeAndSeeTheSame() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = serve("observe", SampleJvm.of(JAR, dir).agent("mode=observe,report=" + file));
        Report report = Report.read(file, run);

        assertEquals("observe", report.totalText("mode"), "totals.mode");
        assertNettysChunksAttributedToItsFfmCleaner(report);
        assertEquals(List.of(), SampleJvm.warnings(run), "nothing on stderr may be a warning with the agent:\n" + run.describe());
    }

    @Test
    void shouldServeWrkCleanlyWithoutTheAgent() {
        ChildJvm.Result run = serve("no agent", SampleJvm.of(JAR, dir));
        assertEquals(List.of(), SampleJvm.warnings(run), "Netty on JDK 25's defaults prints no warning:\n" + run.describe());
    }

    private static void assertNettysChunksAttributedToItsFfmCleaner(Report report) {
        Report.Site chunks = null;
        for (Report.Site site : report.sites()) {
            if (site.api().equals("Arena.allocate") && site.className().equals("io.netty.util.internal.CleanerJava25")) {
                chunks = site;
            } else if (site.className().startsWith("io.netty.")) {
                assertEquals(0, site.allocations(), "Netty's non-FFM paths are idle on JDK 25's defaults: " + site);
            } else {
                assertTrue(site.className().startsWith("jdk.internal.foreign.SegmentFactories"),
                        "only Netty's sites and the JDK's segment funnel: " + site);
            }
        }
        assertTrue(chunks != null && chunks.allocations() > 0 && chunks.fields().get("bytesAllocated") instanceof Long bytes
                && bytes >= 64 * 1024, "Netty's chunks, served and attributed to CleanerJava25.allocate:\n" + report.text());
        assertTrue(chunks.frees() <= chunks.allocations(), chunks.toString());
        assertEquals(0, report.jdkDirectCount(), "none of it in the JDK's direct pool\n" + report.text());
    }

    /** Starts the server, checks a body, runs wrk, checks again, asks it to shut down and waits for its exit. */
    private ChildJvm.Result serve(String label, SampleJvm sample) {
        Wrk.assumeInstalled();
        sample.args("--port", "0", "--size", Integer.toString(BODY), "--seconds", "60");
        try (SampleJvm.Running server = sample.start()) {
            int port = server.port(Duration.ofSeconds(30));
            SampleJvm.Response body = new SampleJvm.Response(200, SampleJvm.expectedBody(BODY));
            assertEquals(body, SampleJvm.get(port, "/"), "GET /");
            Wrk.Result wrk = Wrk.run(port, WRK_CONNECTIONS, WRK_SECONDS).assertClean(100);
            assertEquals(body, SampleJvm.get(port, "/"), "GET / after the load");
            assertEquals(new SampleJvm.Response(404, "not found\n"), SampleJvm.get(port, "/nothing-here"), "GET /nothing-here");
            assertEquals(new SampleJvm.Response(200, "bye\n"), SampleJvm.get(port, "/shutdown"), "GET /shutdown");
            ChildJvm.Result run = server.awaitExit(Duration.ofSeconds(30));
            assertEquals(0, run.exit(), "the server failed:\n" + run.describe());
            System.out.printf("netty-server, %s: wrk -t1 -c%d -d%ds: %,d requests, %,.0f req/s%n", label, WRK_CONNECTIONS, WRK_SECONDS,
                    wrk.requests(), wrk.requestsPerSecond());
            return run;
        }
    }
}
