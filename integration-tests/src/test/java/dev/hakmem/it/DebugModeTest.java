package dev.hakmem.it;

import dev.hakmem.it.apps.DebugModeApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debug mode ({@code debug=true}): a write past a block's end and a write after free, planted in
 * {@link DebugModeApp}, are each reported once, through SLF4J and in the report, with the allocating
 * and the freeing call site by class, method and line; the program runs on as without hakmem.
 */
class DebugModeTest {
    private static final String ALLOW = "--sun-misc-unsafe-memory-access=allow"; // the program writes with Unsafe.putByte

    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void shouldReportThePlantedOverflowAndUseAfterFreeOnceWithTheirSites() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(DebugModeApp.class).agent("debug=true,report=" + file).jvm(ALLOW).run().assertOk();
        assertEquals("true", run.value("reused"), "the program's premise: the freed block is handed out again");
        Report report = Report.read(file, run);

        List<Map<String, Object>> findings = (List<Map<String, Object>>) report.root().get("debugFindings");
        assertEquals(2, findings.size(), "one overflow, one write after free, nothing from the clean loop:\n" + report.text());
        Map<String, Object> overflow = findings.stream().filter(f -> f.get("kind").equals("OVERFLOW")).findFirst().orElseThrow();
        assertEquals(24L, overflow.get("size"));
        assertEquals(24L, overflow.get("offset"), "the first byte past the end");
        assertTrue(((String) overflow.get("allocatedAt")).contains("DebugModeApp.java:" + Sources.line(DebugModeApp.class, "overflow-allocate")),
                overflow.toString());
        assertTrue(((String) overflow.get("freedAt")).contains("DebugModeApp.java:" + Sources.line(DebugModeApp.class, "overflow-free")),
                overflow.toString());
        Map<String, Object> uaf = findings.stream().filter(f -> f.get("kind").equals("USE_AFTER_FREE")).findFirst().orElseThrow();
        assertEquals(8L, uaf.get("offset"), "where the write after free landed");
        assertTrue(((String) uaf.get("allocatedAt")).contains("DebugModeApp.java:" + Sources.line(DebugModeApp.class, "uaf-allocate")),
                uaf.toString());
        assertTrue(((String) uaf.get("freedAt")).contains("DebugModeApp.java:" + Sources.line(DebugModeApp.class, "uaf-free")),
                uaf.toString());

        List<String> logged = run.stderrLines(l -> l.contains("hakmem debug:"));
        assertEquals(2, logged.size(), "each finding logged once:\n" + run.describe());
        assertTrue(logged.stream().anyMatch(l -> l.contains("write past the end") && l.contains("DebugModeApp.main(DebugModeApp.java:")),
                run.describe());
        assertTrue(logged.stream().anyMatch(l -> l.contains("write after free")), run.describe());
    }

    @Test
    void shouldFindNothingWithoutDebugModeAndRunTheSame() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(DebugModeApp.class).agent("report=" + file).jvm(ALLOW).run().assertOk();
        Report report = Report.read(file, run);
        assertEquals(List.of(), report.root().get("debugFindings"));
        assertTrue(run.stderrLines(l -> l.contains("hakmem debug:")).isEmpty(), run.describe());
    }
}
