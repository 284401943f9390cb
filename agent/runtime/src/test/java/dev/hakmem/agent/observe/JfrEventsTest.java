package dev.hakmem.agent.observe;

import dev.hakmem.DebugFinding;
import dev.hakmem.agent.report.ReportSnapshot;
import dev.hakmem.agent.site.CallSite;
import dev.hakmem.agent.site.SiteRegistry;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.hakmem.agent.site.DirectMemoryApi.ALLOCATE_DIRECT;
import static dev.hakmem.agent.site.DirectMemoryApi.ALLOCATE_MEMORY;
import static dev.hakmem.agent.site.DirectMemoryApi.FREE_MEMORY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** hakmem's JFR events in recordings of this JVM, read back from the file as JMC would read them. */
class JfrEventsTest {
    private static final CallSite POOL = SnapshotFixture.site(1, "com.example.Pool", "grow", 42, ALLOCATE_DIRECT);
    private static final CallSite CACHE = SnapshotFixture.site(2, "com.example.Cache", "put", 7, ALLOCATE_MEMORY);
    private static final CallSite IDLE = SnapshotFixture.site(3, "com.example.Once", "run", 9, ALLOCATE_DIRECT);
    private static final ReportSnapshot SNAPSHOT = new SnapshotFixture()
            .row(POOL, 100, 64, 4096).row(CACHE, 10, 5, 65536).row(IDLE, 5, 0, 1024).build();

    @TempDir
    Path dir;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    @AfterEach
    void noRecordingRuns() throws Exception {
        for (AutoCloseable c : opened.reversed()) {
            c.close();
        }
        opened.clear();
        if (FlightRecorder.isInitialized()) {
            for (Recording r : FlightRecorder.getFlightRecorder().getRecordings()) {
                r.close();
            }
        }
    }

    private Observability observe() {
        Observability o = Observability.start(() -> SNAPSHOT, path -> true, () -> { }, null, () -> null);
        opened.add(o);
        return o;
    }

    private Recording record(String... events) {
        Recording r = new Recording();
        for (String e : events) {
            r.enable(e).withPeriod(Duration.ofMillis(100));
        }
        opened.add(r);
        return r;
    }

    private List<RecordedEvent> stop(Recording r, String event) throws IOException {
        r.stop();
        Path file = dir.resolve("r" + r.getId() + ".jfr");
        r.dump(file);
        return RecordingFile.readAllEvents(file).stream().filter(e -> e.getEventType().getName().equals(event)).toList();
    }

    @Test
    void shouldEmitTheTopSitesEachPeriodOfARecordingStartedAfterTheAgent() throws Exception {
        observe();
        Recording r = record("hakmem.SiteSnapshot");
        r.start();
        Thread.sleep(500);
        List<RecordedEvent> events = stop(r, "hakmem.SiteSnapshot");

        assertTrue(events.size() >= 4, "two sites, at least twice: " + events.size());
        assertFalse(events.stream().anyMatch(e -> e.getString("className").equals("com.example.Once")), "nothing live, no event");
        RecordedEvent cache = events.stream().filter(e -> e.getInt("rank") == 1).findFirst().orElseThrow();
        assertEquals("com.example.Cache", cache.getString("className"));
        assertEquals("put", cache.getString("method"));
        assertEquals(7, cache.getInt("line"));
        assertEquals("Unsafe.allocateMemory", cache.getString("api"));
        assertEquals("com.example.Cache.put(Cache.java:7)", cache.getString("location"));
        assertEquals(5L * 65536, cache.getLong("liveBytes"));
        assertEquals(5L, cache.getLong("liveBlocks"));
        assertEquals(10L, cache.getLong("allocations"));
        assertEquals(5L, cache.getLong("frees"));
        assertEquals(10L * 65536, cache.getLong("peakLiveBytes"));
        assertEquals(SnapshotFixture.TAKEN_AT - 1000, cache.getInstant("peakAt").toEpochMilli());
        assertEquals("STEADY", cache.getString("behaviour"));
        assertEquals("hakmem", cache.getEventType().getCategoryNames().getFirst());
        assertTrue(events.stream().anyMatch(e -> e.getInt("rank") == 2 && e.getString("method").equals("grow")));
    }

    @Test
    void shouldEmitTheTotalsInARecordingThatRanBeforeTheAgent() throws Exception {
        Recording r = record("hakmem.Totals");
        r.start();
        observe();
        Thread.sleep(1500); // JFR's periodic thread looks for added tasks once a second
        List<RecordedEvent> events = stop(r, "hakmem.Totals");

        assertFalse(events.isEmpty());
        RecordedEvent totals = events.getFirst();
        assertEquals("replace", totals.getString("mode"));
        assertEquals("mmap", totals.getString("memoryRoute"));
        assertEquals(64L * 4096 + 5 * 65536, totals.getLong("liveBytes"));
        assertEquals(69L, totals.getLong("liveBlocks"));
        assertEquals(115L, totals.getLong("allocations"));
        assertEquals(3L, totals.getLong("sites"));
        assertEquals(3L, totals.getLong("forcedGcs"));
        assertEquals(2L, totals.getLong("invalidFrees"));
        assertEquals(1L << 30, totals.getLong("directLimitBytes"));
    }

    @Test
    void shouldRecordForcedGcsLimitFailuresInvalidFreesAndDebugFindingsWithTheirSites() throws Exception {
        observe();
        SiteRegistry sites = new SiteRegistry();
        int alloc = sites.register(null, "com.example.Cache", "put", "()V", "Cache.java", 7, ALLOCATE_MEMORY, 0);
        int free = sites.register(null, "com.example.Cache", "evict", "()V", "Cache.java", 30, FREE_MEMORY, 0);
        Recording r = record("hakmem.ForcedGc", "hakmem.DirectLimitFailure", "hakmem.InvalidFree", "hakmem.DebugFinding");
        r.start();
        HakmemEvents.forcedGc(1000, 2000);
        HakmemEvents.directLimitFailure(4096, "com.example.Pool.grow(Pool.java:42)", 2000, 1000, "1000 bytes at Pool.grow");
        HakmemEvents.invalidFree(0x7f00_0000_1000L, free, address -> alloc, sites);
        HakmemEvents.debugFinding(new DebugFinding(DebugFinding.Kind.OVERFLOW, 0x7f00_0000_2000L, 100, 104, alloc, free, 3), sites);

        RecordedEvent gc = stop(r, "hakmem.ForcedGc").getFirst();
        assertEquals(1000L, gc.getLong("reservedBytes"));
        assertEquals(2000L, gc.getLong("limitBytes"));
        assertTrue(gc.getStackTrace().getFrames().stream().anyMatch(f -> f.getMethod().getName().startsWith("shouldRecord")),
                "the stack is the caller's: " + gc.getStackTrace());

        RecordedEvent limit = eventsIn(r, "hakmem.DirectLimitFailure").getFirst();
        assertEquals(4096L, limit.getLong("requestedBytes"));
        assertEquals("com.example.Pool.grow(Pool.java:42)", limit.getString("site"));
        assertEquals("1000 bytes at Pool.grow", limit.getString("topSites"));

        RecordedEvent invalid = eventsIn(r, "hakmem.InvalidFree").getFirst();
        assertEquals(0x7f00_0000_1000L, invalid.getLong("address"));
        assertEquals(sites.describe(free), invalid.getString("freeSite"));
        assertEquals(sites.describe(alloc), invalid.getString("allocationSite"));
        assertTrue(invalid.getString("allocationSite").contains("Cache.put(Cache.java:7)"), invalid.getString("allocationSite"));

        RecordedEvent finding = eventsIn(r, "hakmem.DebugFinding").getFirst();
        assertEquals("OVERFLOW", finding.getString("kind"));
        assertEquals(100L, finding.getLong("size"));
        assertEquals(104L, finding.getLong("offset"));
        assertEquals(3L, finding.getLong("occurrences"));
        assertEquals(sites.describe(alloc), finding.getString("allocationSite"));
        assertEquals(sites.describe(free), finding.getString("freeSite"));
    }

    private List<RecordedEvent> eventsIn(Recording stopped, String event) throws IOException {
        Path file = dir.resolve("r" + stopped.getId() + ".jfr");
        return RecordingFile.readAllEvents(file).stream().filter(e -> e.getEventType().getName().equals(event)).toList();
    }

    @Test
    void shouldFollowWhetherARecordingRuns() throws Exception {
        observe();
        assertFalse(HakmemEvents.recording());
        Recording r = record("hakmem.ForcedGc");
        r.start();
        assertTrue(HakmemEvents.recording());
        Recording second = record("hakmem.ForcedGc");
        second.start();
        r.stop();
        assertTrue(HakmemEvents.recording(), "one still runs");
        second.stop();
        assertFalse(HakmemEvents.recording());
        assertEquals(RecordingState.STOPPED, second.getState());
    }

    @Test
    void shouldNotAllocateWhenNoRecordingRuns() {
        observe();
        assertFalse(HakmemEvents.recording());
        SiteRegistry sites = new SiteRegistry();
        DebugFinding finding = new DebugFinding(DebugFinding.Kind.USE_AFTER_FREE, 1, 2, 3, 0, 0, 1);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int warm = 0; warm < 2; warm++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100_000; i++) {
                HakmemEvents.forcedGc(i, 2 * i);
                HakmemEvents.directLimitFailure(i, "site", i, i, "top");
                HakmemEvents.invalidFree(i, 1, sites);
                HakmemEvents.debugFinding(finding, sites);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 4096, "400,000 calls allocated " + allocated + " bytes");
        }
    }

    @Test
    void shouldStopEmittingOnClose() throws Exception {
        Observability o = observe();
        o.close();
        Recording r = record("hakmem.SiteSnapshot", "hakmem.ForcedGc");
        r.start();
        assertFalse(HakmemEvents.recording(), "closed: the flag stays down");
        HakmemEvents.forcedGc(1, 2);
        Thread.sleep(300);
        assertTrue(stop(r, "hakmem.SiteSnapshot").isEmpty());
        assertTrue(eventsIn(r, "hakmem.ForcedGc").isEmpty());
    }
}
