package dev.hakmem.it;

import dev.hakmem.it.apps.ObservedApp;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * hakmem's JFR events in a recording a user makes ({@code -XX:StartFlightRecording}), read back as JDK
 * Mission Control and {@code jfr print} read them. {@link ObservedApp} holds known sites, frees a block
 * twice and runs into the direct-memory limit under a recording whose settings give the periodic events
 * a 1 s period.
 */
class JfrRecordingTest {
    private static final String ALLOW = "--sun-misc-unsafe-memory-access=allow";
    private static final String APP = ObservedApp.class.getName();
    /** The hakmem events, periodic ones every second (their default is 10 s); nothing else is recorded. */
    private static final String SETTINGS = """
            <?xml version="1.0" encoding="UTF-8"?>
            <configuration version="2.0" label="hakmem" description="hakmem's events, periodic ones each second">
              <event name="hakmem.SiteSnapshot"><setting name="enabled">true</setting><setting name="period">1 s</setting></event>
              <event name="hakmem.Totals"><setting name="enabled">true</setting><setting name="period">1 s</setting></event>
              <event name="hakmem.ForcedGc"><setting name="enabled">true</setting><setting name="stackTrace">true</setting></event>
              <event name="hakmem.DirectLimitFailure"><setting name="enabled">true</setting><setting name="stackTrace">true</setting></event>
              <event name="hakmem.InvalidFree"><setting name="enabled">true</setting><setting name="stackTrace">true</setting></event>
              <event name="hakmem.DebugFinding"><setting name="enabled">true</setting></event>
            </configuration>
            """;

    @TempDir
    static Path dir;
    private static Path recording;
    private static ChildJvm.Result run;
    private static List<RecordedEvent> events;

    @BeforeAll
    static void recordTheProgram() throws IOException {
        recording = dir.resolve("observed.jfr");
        run = ChildJvm.of(ObservedApp.class).agent("limit=2m").jvm(ALLOW, startRecording(recording))
                .args("jfr", "3500").run().assertOk();
        events = read(recording);
    }

    static String startRecording(Path file) throws IOException {
        Path settings = dir.resolve("hakmem.jfc");
        Files.writeString(settings, SETTINGS);
        return "-XX:StartFlightRecording=filename=" + file + ",settings=" + settings;
    }

    private static List<RecordedEvent> read(Path file) throws IOException {
        assertTrue(Files.isRegularFile(file), "no recording at " + file + ":\n" + run.describe());
        return RecordingFile.readAllEvents(file);
    }

    private static List<RecordedEvent> named(List<RecordedEvent> all, String name) {
        return all.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }

    private static boolean calledFrom(RecordedEvent e, String method) {
        return e.getStackTrace() != null && e.getStackTrace().getFrames().stream().map(RecordedFrame::getMethod)
                .anyMatch(m -> m.getType().getName().equals(APP) && m.getName().equals(method));
    }

    private static String line(String marker) {
        return "ObservedApp.java:" + Sources.line(ObservedApp.class, marker) + ")";
    }

    @Test
    void shouldRecordTheSitesHoldingTheMostLiveBytesInEveryPeriod() {
        int heldLine = Sources.line(ObservedApp.class, "held-buffers");
        List<RecordedEvent> held = named(events, "hakmem.SiteSnapshot").stream()
                .filter(e -> e.getString("className").equals(APP) && e.getInt("line") == heldLine).toList();
        assertTrue(held.size() >= 2, "the buffers' site in at least two periods of 1 s: " + held);
        RecordedEvent last = held.getLast();
        assertEquals("main", last.getString("method"));
        assertEquals("ByteBuffer.allocateDirect", last.getString("api"));
        assertEquals(APP + ".main(" + line("held-buffers"), last.getString("location"));
        assertEquals(16L << 16, last.getLong("liveBytes"));
        assertEquals(16L, last.getLong("liveBlocks"));
        assertEquals(16L, last.getLong("allocations"));
        assertEquals(0L, last.getLong("frees"));
        assertTrue(last.getLong("peakLiveBytes") >= 16L << 16, last.toString());

        int blockLine = Sources.line(ObservedApp.class, "held-block");
        RecordedEvent block = named(events, "hakmem.SiteSnapshot").stream()
                .filter(e -> e.getInt("line") == blockLine).reduce((a, b) -> b).orElseThrow();
        assertEquals("Unsafe.allocateMemory", block.getString("api"));
        assertEquals(256L << 10, block.getLong("liveBytes"));
        assertTrue(named(events, "hakmem.SiteSnapshot").stream().noneMatch(e -> e.getInt("line") == Sources.line(ObservedApp.class, "freed-twice")),
                "a site holding nothing has no event");
    }

    @Test
    void shouldRecordTheTotalsInEveryPeriod() {
        List<RecordedEvent> totals = named(events, "hakmem.Totals");
        assertTrue(totals.size() >= 2, "two periods of 1 s at least: " + totals.size());
        RecordedEvent last = totals.getLast();
        assertEquals("replace", last.getString("mode"));
        assertEquals(2L << 20, last.getLong("directLimitBytes"));
        assertEquals(2L << 20, last.getLong("directReservedBytes"), "the limit is full");
        assertEquals((2L << 20) + (256L << 10), last.getLong("liveBytes"), "the buffers up to the limit and the block");
        assertEquals(1L, last.getLong("invalidFrees"));
        assertTrue(last.getLong("forcedGcs") >= 1, last.toString());
    }

    @Test
    void shouldRecordTheLimitFailureWithTheSiteThatAskedAndTheTopSites() {
        List<RecordedEvent> failures = named(events, "hakmem.DirectLimitFailure");
        assertEquals(1, failures.size(), "one refusal: " + failures);
        RecordedEvent failure = failures.getFirst();
        assertEquals(256L << 10, failure.getLong("requestedBytes"));
        assertEquals(2L << 20, failure.getLong("limitBytes"));
        assertTrue(failure.getString("site").contains(line("over-limit")), failure.getString("site"));
        assertTrue(failure.getString("topSites").contains(line("held-buffers")), failure.getString("topSites"));
        assertTrue(calledFrom(failure, "misbehave"), "the stack is the allocation's: " + failure.getStackTrace());
        assertTrue(run.value("oome").contains(line("over-limit")), "the application got the error too");
    }

    @Test
    void shouldRecordTheGcTheLimitForced() {
        List<RecordedEvent> gcs = named(events, "hakmem.ForcedGc");
        assertFalse(gcs.isEmpty(), "the limit forces a GC before it refuses");
        assertEquals(2L << 20, gcs.getFirst().getLong("limitBytes"));
        assertTrue(calledFrom(gcs.getFirst(), "misbehave"), "the stack is the allocation's: " + gcs.getFirst().getStackTrace());
    }

    @Test
    void shouldRecordTheInvalidFreeWithTheFreeingAndTheAllocatingSite() {
        List<RecordedEvent> frees = named(events, "hakmem.InvalidFree");
        assertEquals(1, frees.size(), "one double free: " + frees);
        RecordedEvent free = frees.getFirst();
        assertTrue(free.getString("freeSite").contains(line("second-free")), free.getString("freeSite"));
        assertTrue(free.getString("allocationSite").contains(line("freed-twice")), free.getString("allocationSite"));
        assertTrue(calledFrom(free, "misbehave"), "the stack is the free's: " + free.getStackTrace());
    }

    @Test
    void shouldPrintTheSiteEventsWithTheJdksJfrTool() throws Exception {
        Path jfr = Path.of(System.getProperty("java.home"), "bin", "jfr");
        Process p = new ProcessBuilder(jfr.toString(), "print", "--events", "hakmem.SiteSnapshot", recording.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jfr print did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("hakmem.SiteSnapshot {"), out);
        assertTrue(out.contains("className = \"" + APP + "\"") && out.contains("line = " + Sources.line(ObservedApp.class, "held-buffers")),
                "the buffers' site, by class and line:\n" + out);
        assertTrue(out.contains("liveBytes = 1.0 MB"), "live bytes as a data amount:\n" + out);
    }

    @Test
    void shouldRecordWhatDebugModeFinds() throws IOException {
        Path file = dir.resolve("debug.jfr");
        ChildJvm.Result debug = ChildJvm.of(ObservedApp.class).agent("debug=true").jvm(ALLOW, startRecording(file))
                .args("debug", "1500").run().assertOk();
        assertTrue(Files.isRegularFile(file), debug.describe());
        List<RecordedEvent> findings = named(RecordingFile.readAllEvents(file), "hakmem.DebugFinding");
        assertEquals(1, findings.size(), "the planted overflow, once: " + findings + "\n" + debug.describe());
        RecordedEvent overflow = findings.getFirst();
        assertEquals("OVERFLOW", overflow.getString("kind"));
        assertEquals(24L, overflow.getLong("size"));
        assertEquals(24L, overflow.getLong("offset"));
        assertTrue(overflow.getString("allocationSite").contains(line("overflow-allocate")), overflow.toString());
        assertTrue(overflow.getString("freeSite").contains(line("overflow-free")), overflow.toString());
    }
}
