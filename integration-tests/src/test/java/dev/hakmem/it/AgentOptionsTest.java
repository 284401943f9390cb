package dev.hakmem.it;

import dev.hakmem.it.apps.HelloApp;
import dev.hakmem.it.apps.NioApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent's options: a malformed one stops the JVM before {@code main}, naming it and listing the valid ones. */
class AgentOptionsTest {
    private static final String[] VALID_KEYS = {"mode=", "include=", "exclude=", "jdk=", "limit=", "report=", "log="};

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"mode=fast", "limit=abc", "nosuch=1"})
    void shouldRefuseToStartOnAMalformedOptionNamingItAndListingTheValidOnes(String option) {
        ChildJvm.Result run = ChildJvm.of(HelloApp.class).agent(option).run();

        assertNotEquals(0, run.exit(), "the JVM must not start with " + option + ":\n" + run.describe());
        assertFalse(run.stdout().contains("main ran"), "main ran despite " + option + ":\n" + run.describe());
        assertTrue(run.stderr().contains(option), "stderr does not name " + option + ":\n" + run.describe());
        for (String key : VALID_KEYS) {
            assertTrue(run.stderr().contains(key), "stderr does not list the valid option " + key + ":\n" + run.describe());
        }
    }

    /** {@code include}/{@code exclude} globs ({@code *}, {@code ?}, several separated by {@code :}): an excluded class stays with the JDK. */
    @Test
    void shouldLeaveExcludedClassesToTheJdk() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(NioApp.class).agent("include=dev.hakmem.it.apps.*:com.example.*,exclude=dev.hakmem.it.apps.Nio?pp,report=" + file)
                .run().assertOk();
        Report report = Report.read(file, run);
        assertTrue(report.sitesOf(NioApp.class.getName()).isEmpty(), "the excluded class was rewritten:\n" + report.text());
        assertEquals(Long.parseLong(run.value("buffers")), report.jdkDirectCount(), "jdk.directCount: the JDK served the held buffers\n" + report.text());
    }

    /** A hakmem setting the allocator refuses: the JVM runs on, the JDK allocates, hakmem says so once and attributes. */
    @Test
    void shouldFallBackToTheJdkAndSaySoOnceWhenTheAllocatorCannotStart() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(NioApp.class).agent("report=" + file).jvm("-Dhakmem.stripes=0").run().assertOk();
        Report report = Report.read(file, run);
        assertEquals(1, run.stderrLines(l -> l.contains("could not start")).size(), "said once:\n" + run.describe());
        assertTrue(run.stderr().contains("hakmem.stripes"), "the refused setting is named:\n" + run.describe());
        assertEquals("observe", report.totalText("mode"), "totals.mode");
        assertEquals(Long.parseLong(run.value("buffers")), report.jdkDirectCount(), "jdk.directCount: the JDK served the held buffers");
        assertEquals(5, report.sitesOf(NioApp.class.getName()).stream().filter(s -> s.allocations() == 1).count(),
                "the sites are still attributed\n" + report.text());
    }

    /**
     * {@code jdk=true}: JDK classes loaded before premain are retransformed, so the agent's own start-up
     * thread runs rewritten JDK code; it must never wait for itself (the bridge's linker does not wait on
     * that thread, and waits for no other longer than {@code HakmemBackend.START_WAIT_MILLIS}); a hang fails the time limit.
     */
    @Test
    void shouldRunWithJdkClassesRewrittenWithoutWaitingForItself() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(NioApp.class).agent("jdk=true,report=" + file).timeout(java.time.Duration.ofSeconds(30))
                .run().assertOk();
        Report report = Report.read(file, run);
        assertEquals("replace", report.totalText("mode"), "totals.mode");
        assertEquals(5, report.sitesOf(NioApp.class.getName()).stream().filter(s -> s.allocations() == 1).count(),
                "the application's sites are served\n" + report.text());
    }
}
