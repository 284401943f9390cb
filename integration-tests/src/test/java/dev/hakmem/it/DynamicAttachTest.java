package dev.hakmem.it;

import com.sun.tools.attach.VirtualMachine;
import dev.hakmem.it.apps.AttachApp;
import dev.hakmem.it.apps.AttachTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent attached to a running JVM retransforms a class loaded before it came, so that class's
 * later calls are served and attributed; memory the JDK allocated before the attach is freed through
 * the JDK; attaching again writes the report at once.
 */
class DynamicAttachTest {
    private static final Duration STEP = Duration.ofSeconds(30);
    private static final String ALLOCATE_DIRECT = "ByteBuffer.allocateDirect";

    @TempDir
    Path dir;

    @Test
    void shouldRetransformAClassLoadedBeforeTheAttachAndWriteAReportOnASecondAttach() throws Exception {
        Path atExit = dir.resolve("at-exit.json");
        Path now = dir.resolve("now.json");
        String jar = ChildJvm.agentJar().toString();
        ChildJvm.Result run;
        try (ChildJvm.Running child = ChildJvm.of(AttachApp.class).withoutAgent()
                .jvm("-XX:+EnableDynamicAgentLoading", "--sun-misc-unsafe-memory-access=allow").start()) {
            child.awaitLine("ready"::equals, STEP);
            loadAgent(child.pid(), jar, "report=" + atExit);
            child.send("go");
            child.awaitLine("allocated"::equals, STEP);

            loadAgent(child.pid(), jar, "report=" + now);
            assertTrue(Files.isRegularFile(now), "the second attach wrote no report to " + now);
            Report held = Report.read(now);
            Report.Site direct = held.site(AttachTarget.class, "after-direct", ALLOCATE_DIRECT).assertCounts(AttachTarget.BUFFERS, 0);
            assertEquals(AttachTarget.BUFFERS, direct.liveBlocks(), "liveBlocks while held: " + direct);
            // the method reference in the retransformed class could not be redirected: the JDK served it
            assertTrue(held.total("handlesLeftToJdk") >= 1, "totals.handlesLeftToJdk\n" + held.text());
            assertEquals(1, held.jdkDirectCount(), "jdk.directCount: only the buffer made through the method reference\n" + held.text());

            child.send("release");
            child.awaitLine("released"::equals, STEP);
            child.send("exit");
            run = child.awaitExit(STEP);
        }
        run.assertOk();
        Report report = Report.read(atExit, run);
        report.site(AttachTarget.class, "after-direct", ALLOCATE_DIRECT).assertCounts(AttachTarget.BUFFERS, AttachTarget.BUFFERS)
                .assertNothingLive();
        report.site(AttachTarget.class, "after-allocate", "Unsafe.allocateMemory").assertCounts(1, 1).assertNothingLive();
        // sites that ran before the attach are known (the whole class was rewritten) but served nothing
        report.site(AttachTarget.class, "before-allocate", "Unsafe.allocateMemory").assertCounts(0, 0);
        report.site(AttachTarget.class, "before-direct", ALLOCATE_DIRECT).assertCounts(0, 0);
        assertEquals(0, report.total("invalidFrees"), "totals.invalidFrees: the JDK's blocks from before went to the JDK\n" + report.text());
        assertFalse(run.stderr().contains("ERROR"), "the agent reported an error:\n" + run.describe());
    }

    @Test
    void shouldWriteTheReportAtOnceWhenAttachedToAJvmStartedWithTheAgent() throws Exception {
        Path now = dir.resolve("now.json");
        ChildJvm.Result run;
        try (ChildJvm.Running child = allocatingUnderTheAgent()) {
            loadAgent(child.pid(), ChildJvm.agentJar().toString(), "report=" + now);
            Report held = Report.read(now);
            held.site(AttachTarget.class, "before-allocate", "Unsafe.allocateMemory").assertCounts(1, 1);
            held.site(AttachTarget.class, "after-direct", ALLOCATE_DIRECT).assertCounts(AttachTarget.BUFFERS, 0);
            // loaded under premain, the class got its synthetic method: the method reference was served too
            held.site(AttachTarget.class, "after-handle", ALLOCATE_DIRECT).assertCounts(1, 0);
            assertEquals(0, held.total("handlesLeftToJdk"), "totals.handlesLeftToJdk\n" + held.text());
            assertEquals(0, held.jdkDirectCount(), "jdk.directCount\n" + held.text());
            child.send("exit");
            run = child.awaitExit(STEP);
        }
        run.assertOk();
    }

    @Test
    void shouldWriteTheReportWhenJcmdLoadsTheAgentAgain() throws Exception {
        Path now = dir.resolve("by-jcmd.html");
        Path jcmd = Path.of(ChildJvm.javaLauncher()).resolveSibling("jcmd");
        ChildJvm.Result run;
        try (ChildJvm.Running child = allocatingUnderTheAgent()) {
            // the command agent/README.md gives; the inner quotes keep jcmd from taking report=... for an option of its own
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(child.pid()), "JVMTI.agent_load",
                    ChildJvm.agentJar().toAbsolutePath().toString(), "\"report=" + now + "\"").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(STEP.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), "jcmd did not finish");
            assertEquals(0, p.exitValue(), "jcmd failed:\n" + out);
            assertTrue(Files.isRegularFile(now), "jcmd's attach wrote no report to " + now + "; jcmd said:\n" + out);
            String html = Files.readString(now);
            assertTrue(html.contains("AttachTarget.afterAttach(AttachTarget.java:" + Sources.line(AttachTarget.class, "after-direct") + ")"),
                    "the page names the site holding the buffers");
            // a bad option in a second attach: one line in the application's stderr, nothing else
            Process bad = new ProcessBuilder(jcmd.toString(), Long.toString(child.pid()), "JVMTI.agent_load",
                    ChildJvm.agentJar().toAbsolutePath().toString(), "\"report\"").redirectErrorStream(true).start();
            bad.getInputStream().readAllBytes();
            assertTrue(bad.waitFor(STEP.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), "jcmd did not finish");
            child.send("exit");
            run = child.awaitExit(STEP);
        }
        run.assertOk();
        assertEquals(1, run.stderrLines(l -> l.contains("bad option 'report'")).size(), "one line names the bad option:\n" + run.describe());
        assertFalse(run.stderr().contains("ASSERTION FAILED") || run.stderr().contains("Exception"), "no stack trace:\n" + run.describe());
    }

    /** {@link AttachApp} started with the agent, once it holds what {@link AttachTarget#afterAttach} allocates. */
    private static ChildJvm.Running allocatingUnderTheAgent() {
        ChildJvm.Running child = ChildJvm.of(AttachApp.class).agent("")
                .jvm("-XX:+EnableDynamicAgentLoading", "--sun-misc-unsafe-memory-access=allow").start();
        try {
            child.awaitLine("ready"::equals, STEP);
            child.send("go");
            child.awaitLine("allocated"::equals, STEP);
            return child;
        } catch (RuntimeException | Error e) {
            child.close();
            throw e;
        }
    }

    private static void loadAgent(long pid, String jar, String options) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        try {
            vm.loadAgent(jar, options);
        } finally {
            vm.detach();
        }
    }
}
