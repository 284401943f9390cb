package dev.hakmem.it;

import dev.hakmem.it.apps.CleanerOnlyApp;
import dev.hakmem.it.apps.UnsafeMemoryOnlyApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JEP 471/498: with the agent, the rewritten {@code Unsafe} memory calls no longer touch
 * {@code sun.misc.Unsafe}, so they run under {@code --sun-misc-unsafe-memory-access=deny} and print no
 * warning under the default ({@code warn}). Each case is also run without the agent, to show the
 * difference is the agent's.
 */
class UnsafeDeprecationTest {
    private static final String DENY = "--sun-misc-unsafe-memory-access=deny";
    private static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    @TempDir
    Path dir;

    @Test
    void shouldRunUnsafeAllocateReallocateFreeUnderDenyWithTheAgent() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(UnsafeMemoryOnlyApp.class).agent("report=" + file).jvm(DENY, NATIVE_ACCESS).run().assertOk();
        Report report = Report.read(file, run);
        report.site(UnsafeMemoryOnlyApp.class, "deny-allocate", "Unsafe.allocateMemory").assertNothingLive();
        assertEquals(0, report.total("liveBlocks"), "totals.liveBlocks");
        assertFalse(run.stderr().contains("WARNING"), "no warning expected:\n" + run.describe());
    }

    @Test
    void shouldFailUnderDenyWithoutTheAgent() {
        ChildJvm.Result run = ChildJvm.of(UnsafeMemoryOnlyApp.class).withoutAgent().jvm(DENY, NATIVE_ACCESS).run();
        assertNotEquals(0, run.exit(), "the JDK alone must refuse Unsafe.allocateMemory under deny:\n" + run.describe());
        assertTrue(run.stderr().contains("UnsupportedOperationException") && run.stderr().contains("allocateMemory"),
                "expected the JDK's UnsupportedOperationException from allocateMemory:\n" + run.describe());
    }

    @Test
    void shouldPrintNoWarningForAllocateDirectAndInvokeCleanerUnderDefaultFlagsWithTheAgent() {
        ChildJvm.Result run = ChildJvm.of(CleanerOnlyApp.class).agent("").run().assertOk();
        assertFalse(run.stderr().contains("WARNING"), "no JEP 498 (or any) warning expected with the agent:\n" + run.describe());
        assertEquals(List.of(), run.stderrLines(l -> !l.startsWith("hakmem: ")), "nothing on stderr but hakmem's summary:\n" + run.describe());
        assertFalse(ChildJvm.of(CleanerOnlyApp.class).agent("report=off").run().assertOk().stderr().contains("hakmem"),
                "report=off silences the summary");
    }

    @Test
    void shouldPrintTheJep498WarningForInvokeCleanerWithoutTheAgent() {
        ChildJvm.Result run = ChildJvm.of(CleanerOnlyApp.class).withoutAgent().run().assertOk();
        assertTrue(run.stderr().contains("WARNING: A terminally deprecated method in sun.misc.Unsafe has been called")
                        && run.stderr().contains("invokeCleaner"),
                "the JDK alone warns on the first invokeCleaner:\n" + run.describe());
    }

    @Test
    void shouldRunInvokeCleanerUnderDenyWithTheAgent() {
        ChildJvm.of(CleanerOnlyApp.class).agent("").jvm(DENY).run().assertOk();
    }
}
