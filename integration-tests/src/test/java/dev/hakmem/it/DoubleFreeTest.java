package dev.hakmem.it;

import dev.hakmem.it.apps.DoubleFreeApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A double free through rewritten {@code Unsafe.freeMemory} is reported once, with both sites, counted,
 * and the application goes on. (The program runs with {@code --sun-misc-unsafe-memory-access=allow} so
 * that the only warning on stderr can be hakmem's.)
 */
class DoubleFreeTest {
    private static final String ALLOW_UNSAFE = "--sun-misc-unsafe-memory-access=allow";

    @TempDir
    Path dir;

    @Test
    void shouldReportADoubleFreeOnceNamingTheFreeingAndAllocatingLinesAndGoOn() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(DoubleFreeApp.class).agent("report=" + file).jvm(ALLOW_UNSAFE).run().assertOk();
        Report report = Report.read(file, run);

        List<String> warnings = run.stderrLines(l -> l.contains("WARN"));
        assertEquals(1, warnings.size(), "exactly one warning expected:\n" + run.describe());
        String warning = warnings.getFirst();
        assertTrue(warning.contains("hakmem"), "not hakmem's warning: " + warning);
        assertTrue(warning.contains("DoubleFreeApp.java:" + Sources.line(DoubleFreeApp.class, "second-free")),
                "the warning does not name the second free's line: " + warning);
        assertTrue(warning.contains("DoubleFreeApp.java:" + Sources.line(DoubleFreeApp.class, "first-allocate")),
                "the warning does not name the allocating line: " + warning);
        assertEquals(1, report.total("invalidFrees"), "totals.invalidFrees\n" + report.text());
        report.site(DoubleFreeApp.class, "first-allocate", "Unsafe.allocateMemory").assertCounts(1, 1).assertNothingLive();
        report.site(DoubleFreeApp.class, "after", "Unsafe.allocateMemory").assertCounts(2000, 2000).assertNothingLive();
    }

    @Test
    void shouldCountEveryInvalidFreeButWarnOnlyOnce() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(DoubleFreeApp.class).agent("report=" + file).jvm(ALLOW_UNSAFE).args("more").run().assertOk();
        Report report = Report.read(file, run);

        assertEquals(1, run.stderrLines(l -> l.contains("WARN")).size(), "one warning for all invalid frees:\n" + run.describe());
        assertEquals(Long.parseLong(run.value("invalidFrees")), report.total("invalidFrees"), "totals.invalidFrees\n" + report.text());
        report.site(DoubleFreeApp.class, "sized-allocate", "Unsafe.allocateMemory").assertCounts(2, 2).assertNothingLive();
        // the interior free was refused; the block's own free then worked
        report.site(DoubleFreeApp.class, "interior-allocate", "Unsafe.allocateMemory").assertCounts(1, 1).assertNothingLive();
    }

    /**
     * Blocks above 1 MiB are mappings of their own. A freed one stays in hakmem's page map, marked
     * free, while its mapping waits in the huge cache; before that fix the page map forgot it, the
     * bridge handed the second free to the JDK, and glibc's {@code free()} of a pointer malloc never
     * made ended the JVM (SIGSEGV in {@code __libc_free}, exit code 134).
     */
    @Test
    void shouldReportADoubleFreeOfAHugeBlockInsteadOfCrashing() {
        assertEquals(1, reportOf("huge").total("invalidFrees"), "totals.invalidFrees");
    }

    /**
     * A small block whose span went back to its chunk when its first free emptied it: before that
     * fix the second free found no span, the bridge handed it to the JDK, and glibc's {@code free()}
     * ended the JVM (exit code 134).
     */
    @Test
    void shouldReportALateDoubleFreeOfASmallBlockWhoseSpanWasGivenBack() {
        Report report = reportOf("given-back");
        assertEquals(1, report.total("invalidFrees"), "totals.invalidFrees\n" + report.text());
    }

    /**
     * A huge block the cache let go (six others came after it), and one too big for the cache at all:
     * on the agent's mmap route their memory goes back to the OS but their addresses stay reserved,
     * so a late double free is still reported, never handed to glibc.
     */
    @Test
    void shouldReportALateDoubleFreeOfAHugeBlockTheCacheLetGo() {
        Report report = reportOf("evicted");
        assertEquals(2, report.total("invalidFrees"), "totals.invalidFrees\n" + report.text());
        assertEquals("mmap", report.totalText("memoryRoute"), "the route this test is about");
    }

    /** Runs {@link DoubleFreeApp} in {@code mode} under the agent; it must end normally (a crash of the JVM is exit code 134). */
    private Report reportOf(String mode) {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(DoubleFreeApp.class).agent("report=" + file).jvm(ALLOW_UNSAFE).args(mode).run().assertOk();
        return Report.read(file, run);
    }
}
