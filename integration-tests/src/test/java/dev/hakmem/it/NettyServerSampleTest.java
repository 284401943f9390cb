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
 * <p><b>What hakmem sees of it today</b>, and what this test pins: nothing allocated. On JDK 25's defaults
 * Netty 4.2 has no {@code sun.misc.Unsafe} ({@code io.netty.noUnsafe} is true on Java 25+) and takes all its
 * direct memory through FFM, {@code Arena.ofShared().allocate(n).asByteBuffer()} in its {@code CleanerJava25},
 * reached through {@code invokeExact}: no call site the agent rewrites runs. The agent does rewrite Netty's
 * other paths ({@code PlatformDependent0}'s {@code Unsafe.allocateMemory}/{@code freeMemory}/
 * {@code reallocateMemory}, {@code CleanerJava9}'s {@code allocateDirect}), so they are listed, idle: every
 * site in the report is Netty's and none has an allocation; and the JDK's "direct" pool does not count FFM
 * memory either, so it is empty too while Netty's pools hold megabytes. When hakmem learns to serve FFM
 * arenas (a later issue), {@link #shouldServeWrkCleanlyWhileHakmemSeesNoneOfNettysFfmMemory} is the
 * assertion to change. Skipped, saying why, when {@code wrk} is not installed.
 */
class NettyServerSampleTest {
    private static final String JAR = "netty-server.jar";
    private static final int BODY = 100;
    private static final int WRK_CONNECTIONS = 8;
    private static final int WRK_SECONDS = 3;

    @TempDir
    Path dir;

    @Test
    void shouldServeWrkCleanlyWhileHakmemSeesNoneOfNettysFfmMemory() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = serve("replace", SampleJvm.of(JAR, dir).agent("report=" + file));
        Report report = Report.read(file, run);

        assertEquals("replace", report.totalText("mode"), "totals.mode");
        assertNothingAllocatedThroughRewrittenSites(report);
        assertEquals(List.of(), SampleJvm.warnings(run), "nothing on stderr may be a warning with the agent:\n" + run.describe());
    }

    @Test
    void shouldServeWrkCleanlyInObserveModeAndSeeTheSame() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = serve("observe", SampleJvm.of(JAR, dir).agent("mode=observe,report=" + file));
        Report report = Report.read(file, run);

        assertEquals("observe", report.totalText("mode"), "totals.mode");
        assertNothingAllocatedThroughRewrittenSites(report);
        assertEquals(List.of(), SampleJvm.warnings(run), "nothing on stderr may be a warning with the agent:\n" + run.describe());
    }

    @Test
    void shouldServeWrkCleanlyWithoutTheAgent() {
        ChildJvm.Result run = serve("no agent", SampleJvm.of(JAR, dir));
        assertEquals(List.of(), SampleJvm.warnings(run), "Netty on JDK 25's defaults prints no warning:\n" + run.describe());
    }

    private static void assertNothingAllocatedThroughRewrittenSites(Report report) {
        assertTrue(report.total("sites") > 0, "the agent rewrote Netty's Unsafe and allocateDirect paths:\n" + report.text());
        for (Report.Site site : report.sites()) {
            assertTrue(site.className().startsWith("io.netty."), "only Netty's classes have call sites in this jar: " + site);
            assertEquals(0, site.allocations(), "Netty's non-FFM paths are idle on JDK 25's defaults: " + site);
        }
        assertEquals(0, report.total("allocations"), "totals.allocations\n" + report.text());
        assertEquals(0, report.jdkDirectCount(), "Netty's FFM memory is not in the JDK's direct pool either\n" + report.text());
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
