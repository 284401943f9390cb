package dev.hakmem.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FFM pipeline of {@code sample-apps} ({@code ffm-pipeline.jar}: batches in {@code Arena.ofConfined()} and
 * {@code Arena.ofShared()} segments) runs correctly under the agent, which serves its segments through the
 * JDK's native-segment funnel and attributes them to the lines that called {@code allocate}, found from the
 * stack; every segment is freed when its arena closes. {@code ffm=false} leaves them to the JDK.
 */
class FfmPipelineSampleTest {

    @TempDir
    Path dir;

    @Test
    void shouldServeItsArenasAndAttributeThemToTheLinesThatAllocate() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = pipeline("report=" + file);
        Report report = Report.read(file, run);
        String source = "dev/hakmem/samples/ffm/FfmPipeline.java";
        for (String marker : List.of("shared", "confined")) {
            int line = SampleJvm.line(source, marker);
            Report.Site site = report.sites().stream()
                    .filter(s -> s.className().equals("dev.hakmem.samples.ffm.FfmPipeline") && s.line() == line).findFirst()
                    .orElseThrow(() -> new AssertionError("no site at FfmPipeline.java:" + line + "\n" + report.text()));
            assertEquals("Arena.allocate", site.api());
            // the two lines alternate 64 KiB segments; the stack is walked about once a MiB and the segments between
            // go to the line last walked, so each line gets a share, not an exact count
            assertTrue(site.allocations() > 10, site.toString());
            assertEquals(site.allocations(), site.frees(), "every segment freed when its arena closed: " + site);
        }
        assertEquals(0, report.total("liveBytes"), "nothing live at exit\n" + report.text());
        assertEquals(List.of(), SampleJvm.warnings(run), "no warning\n" + run.describe());
    }

    @Test
    void shouldLeaveItsArenasToTheJdkWithFfmFalse() {
        Path file = dir.resolve("report.json");
        Report report = Report.read(file, pipeline("ffm=false,report=" + file));
        assertEquals(0, report.total("sites"), "no call site the agent rewrites\n" + report.text());
        assertEquals(0, report.total("allocations"), "totals.allocations\n" + report.text());
    }

    private ChildJvm.Result pipeline(String options) {
        ChildJvm.Result run = SampleJvm.of("ffm-pipeline.jar", dir).agent(options).args("--seconds", "2").run(Duration.ofSeconds(60));
        assertEquals(0, run.exit(), "the pipeline failed:\n" + run.describe());
        assertTrue(run.stdout().contains("every sum checked"), "the consumer checked every batch:\n" + run.describe());
        return run;
    }
}
