package dev.hakmem.it;

import dev.hakmem.it.apps.LimitApp;
import dev.hakmem.it.apps.LimitCreditApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code limit=1m}: a clear OutOfMemoryError naming the limit and the biggest holders, then recovery. */
class LimitTest {

    @TempDir
    Path dir;

    @Test
    void shouldFailAtTheLimitNamingItAndTheBiggestHoldersThenRecoverWhenBuffersAreFreed() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(LimitApp.class).agent("limit=1m,report=" + file).run().assertOk();
        Report report = Report.read(file, run);

        String message = run.value("oome");
        assertTrue(message.contains("1048576"), "the OutOfMemoryError does not name the 1 MiB limit: " + message);
        String big = LimitApp.class.getName() + ".main(LimitApp.java:" + Sources.line(LimitApp.class, "big-holder") + ")";
        String small = LimitApp.class.getName() + ".main(LimitApp.java:" + Sources.line(LimitApp.class, "small-holder") + ")";
        String failing = "LimitApp.java:" + Sources.line(LimitApp.class, "until-full");
        assertTrue(message.contains(big), "the message does not name the biggest holder " + big + ": " + message);
        assertTrue(message.contains(small), "the message does not name the second holder " + small + ": " + message);
        assertTrue(message.indexOf(big) < message.indexOf(small), "the holders are not ordered by live bytes: " + message);
        assertTrue(message.contains(failing), "the message does not name the failing site " + failing + ": " + message);
        assertEquals("16", run.value("held"), "64 KiB buffers that fit in 1 MiB");
        assertEquals("16", run.value("recovered"), "buffers allocated again after the release");

        report.site(LimitApp.class, "big-holder", "ByteBuffer.allocateDirect").assertCounts(12, 12).assertNothingLive();
        report.site(LimitApp.class, "small-holder", "ByteBuffer.allocateDirect").assertCounts(3, 3).assertNothingLive();
        report.site(LimitApp.class, "after-release", "ByteBuffer.allocateDirect").assertCounts(16, 0);
        assertEquals(1L << 20, report.total("directLimitBytes"), "totals.directLimitBytes");
        assertEquals(1L << 20, report.total("directReservedBytes"), "totals.directReservedBytes: the 16 held buffers");
        assertTrue(report.total("forcedGcs") >= 1, "the limit's path forces a GC before it gives up: " + report.totals());
    }

    @Test
    void shouldBehaveLikeTheJdkWithTheSameLimit() {
        ChildJvm.Result run = ChildJvm.of(LimitApp.class).withoutAgent().jvm("-XX:MaxDirectMemorySize=1m").run().assertOk();
        assertEquals("16", run.value("held"), "64 KiB buffers that fit in 1 MiB on the JDK");
    }

    /**
     * A limit large enough for the agent's per-thread credit (64 MiB): small buffers reach it exactly,
     * though eight threads that held and freed thousands of them died with credit in hand.
     */
    @Test
    void shouldReachALargeLimitExactlyWithSmallBuffersAfterThreadsDiedHoldingCredit() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(LimitCreditApp.class).agent("limit=64m,report=" + file).run().assertOk();
        Report report = Report.read(file, run);

        assertEquals("65536", run.value("held"), "1 KiB buffers that fit in 64 MiB");
        assertEquals("65536", run.value("recovered"), "buffers allocated again after the release");
        assertTrue(run.value("oome").contains("67108864"), "the OutOfMemoryError does not name the 64 MiB limit: " + run.value("oome"));
        report.site(LimitCreditApp.class, "worker", "ByteBuffer.allocateDirect").assertCounts(16_000, 16_000).assertNothingLive();
        assertEquals(64L << 20, report.total("directReservedBytes"), "totals.directReservedBytes: the 65,536 held buffers");
    }

    @Test
    void shouldReachALargeLimitExactlyWithSmallBuffersOnTheJdkToo() {
        ChildJvm.Result run = ChildJvm.of(LimitCreditApp.class).withoutAgent().jvm("-XX:MaxDirectMemorySize=64m").run().assertOk();
        assertEquals("65536", run.value("held"), "1 KiB buffers that fit in 64 MiB on the JDK");
    }
}
