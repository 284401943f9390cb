package dev.hakmem.it;

import dev.hakmem.it.apps.FfmArenaApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FFM arenas served by hakmem through the JDK's native-segment funnel keep the JDK's semantics
 * ({@link FfmArenaApp} checks them itself, and passes without the agent too), and each segment is
 * attributed to the line that called {@code allocate}, found from the stack: at once for segments of
 * 2 MiB and more, sampled by bytes below (a segment not walked goes to the line its thread was last seen at).
 */
class FfmArenaTest {
    private static final String LIMIT = "-XX:MaxDirectMemorySize=8m";

    @TempDir
    Path dir;

    @Test
    void shouldKeepTheJdksArenaSemanticsAndAttributeEverySegmentToItsLine() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(FfmArenaApp.class).agent("report=" + file).jvm(LIMIT).run().assertOk();
        Report report = Report.read(file, run);

        Report.Site aligned = site(report, "aligned");
        assertTrue(aligned.allocations() >= 3L * 13 * 6 - 8, "the aligned allocations, all from one line: " + aligned);
        assertEquals(aligned.allocations(), aligned.frees(), "freed when the arenas closed");
        long autoLimit = Long.parseLong(run.value("autoRefusedAfter").split(" ")[0]);
        long all = report.sitesOf(FfmArenaApp.class.getName()).stream().mapToLong(Report.Site::allocations).sum();
        long made = 3L * 13 * 6 + 4 + 16 + autoLimit + 1;
        // the agent readies the funnel off premain's path: the first few segments of a program that starts with FFM are the JDK's
        assertTrue(all <= made && all >= made - 8, made + " segments made, " + all + " served and attributed to the program's lines\n" + report.text());
        for (String closed : new String[] {"confined", "closed", "views", "shared"}) {
            Report.Site s = site(report, closed);
            assertEquals(1, s.allocations(), closed);
            assertEquals(1, s.frees(), closed + ": freed at close");
        }
        Report.Site auto = site(report, "auto");
        assertEquals(16, auto.allocations());
        assertEquals(16, auto.frees(), "ofAuto segments freed once unreachable, after GC");
        Report.Site global = site(report, "global");
        assertEquals(1, global.allocations());
        assertEquals(0, global.frees(), "global memory is never freed");
        assertTrue(global.liveBytes() >= 2 << 20, global.toString());
        assertTrue(run.value("autoRefusedAfter").startsWith("3 ") || run.value("autoRefusedAfter").startsWith("4 "),
                "the JDK's limit on 2 MiB segments under 8 MiB: " + run.value("autoRefusedAfter"));
        assertTrue(run.stderrLines(l -> l.contains("WARN")).isEmpty(), run.describe());
    }

    @Test
    void shouldKeepTheSameSemanticsInObserveModeWithFfmOffAndWithoutTheAgent() {
        ChildJvm.Result observed = ChildJvm.of(FfmArenaApp.class).agent("mode=observe,report=" + dir.resolve("o.json")).jvm(LIMIT).run().assertOk();
        assertEquals(16, site(Report.read(dir.resolve("o.json"), observed), "auto").allocations(), "observe mode attributes too");
        ChildJvm.of(FfmArenaApp.class).agent("ffm=false").jvm(LIMIT).run().assertOk();
        ChildJvm.Result alone = ChildJvm.of(FfmArenaApp.class).withoutAgent().jvm(LIMIT).run().assertOk();
        assertEquals(alone.value("autoRefusedAfter").split(" ")[0], observed.value("autoRefusedAfter").split(" ")[0]);
    }

    private static Report.Site site(Report report, String marker) {
        int line = Sources.line(FfmArenaApp.class, marker);
        return report.sites().stream().filter(s -> s.className().equals(FfmArenaApp.class.getName()) && s.line() == line).findFirst()
                .orElseThrow(() -> new AssertionError("no site at FfmArenaApp.java:" + line + " (" + marker + ")\n" + report.text()));
    }
}
