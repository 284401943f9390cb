package dev.hakmem.it;

import dev.hakmem.it.apps.ObserveApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's JSON keeps the documented field names, in order: other tools read them (fields are added, never renamed). */
class ReportFormatTest {
    private static final Set<String> TEXT_FIELDS = Set.of("class", "method", "descriptor", "file", "api", "peakAt", "behaviour",
            "oldestLiveAt");
    private static final Set<String> BEHAVIOURS = Set.of("idle", "pool", "growing", "steady");
    private static final Set<String> API_LABELS = Set.of("ByteBuffer.allocateDirect", "Unsafe.allocateMemory",
            "Unsafe.reallocateMemory", "Unsafe.freeMemory", "Unsafe.invokeCleaner", "Arena.allocate");

    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void shouldWriteExactlyTheDocumentedFieldsForEverySite() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(ObserveApp.class).agent("report=" + file).jvm("--sun-misc-unsafe-memory-access=allow").run().assertOk();
        Report report = Report.read(file, run);

        assertEquals(List.of("sites", "totals", "debugFindings", "jdk", "coverage", "snapshots", "takenAt", "startedAt"),
                new ArrayList<>(report.root().keySet()), "top-level fields\n" + report.text());
        assertEquals(List.of("directCount", "directBytes"), new ArrayList<>(report.jdk().keySet()), "jdk fields");
        for (String total : List.of("sites", "allocations", "frees", "bytesAllocated", "liveBytes", "liveBlocks",
                "mode", "memoryRoute", "invalidFrees", "forcedGcs")) {
            assertTrue(report.totals().containsKey(total), "totals." + total + " is missing: " + report.totals());
        }
        List<Report.Site> sites = report.sites();
        assertFalse(sites.isEmpty(), "no sites\n" + report.text());
        assertEquals(sites.size(), report.total("sites"), "totals.sites");
        for (Report.Site site : sites) {
            Map<String, Object> fields = site.fields();
            assertEquals(Report.SITE_FIELDS, new ArrayList<>(fields.keySet()), "the fields of a site, in order");
            for (Map.Entry<String, Object> field : fields.entrySet()) {
                if (field.getKey().equals("peakAt") && field.getValue() == null) {
                    assertEquals(0L, site.peakLiveBytes(), "no peak time without a peak: " + site);
                } else if (field.getKey().startsWith("oldestLive") && field.getValue() == null) {
                    continue; // unknown: no sampled block of the site is live
                } else if (field.getKey().equals("paths")) {
                    assertInstanceOf(List.class, field.getValue(), "paths of " + site);
                } else if (TEXT_FIELDS.contains(field.getKey())) {
                    assertInstanceOf(String.class, field.getValue(), field.getKey() + " of " + site);
                } else {
                    assertInstanceOf(Long.class, field.getValue(), field.getKey() + " of " + site);
                }
            }
            assertTrue(API_LABELS.contains(site.api()), "unknown api label in " + site);
            assertTrue(BEHAVIOURS.contains((String) fields.get("behaviour")), "unknown behaviour in " + site);
            assertTrue(site.id() > 0 && site.line() > 0, "id and line of " + site);
            assertTrue(site.peakLiveBytes() >= site.liveBytes(), "peakLiveBytes below liveBytes in " + site);
        }
        assertEquals(sites.size(), sites.stream().map(Report.Site::id).distinct().count(), "site ids are unique");
        for (int i = 1; i < sites.size(); i++) {
            assertTrue(sites.get(i - 1).liveBytes() >= sites.get(i).liveBytes(), "sites come highest live bytes first");
        }
        Map<String, Object> snapshots = (Map<String, Object>) report.root().get("snapshots");
        assertEquals(List.of("intervalMillis", "points"), new ArrayList<>(snapshots.keySet()), "snapshot fields");
    }
}
