package dev.hakmem.it;

import dev.hakmem.it.apps.CallPathApp;
import org.example.blocks.BlockStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Call paths behind a site and the age of its oldest block: {@link CallPathApp} calls one library
 * site ({@link BlockStore}) from three places; the report must break the site down by them, with the
 * shares of its live bytes they hold, and know that the audit log's blocks are the oldest.
 */
class CallPathTest {
    private static final String ALLOW = "--sun-misc-unsafe-memory-access=allow";
    private static final long PAUSE_MILLIS = 1_500;

    @TempDir
    Path dir;

    private Report run(String options) {
        Path json = dir.resolve("r.json");
        ChildJvm.Result run = ChildJvm.of(CallPathApp.class).agent(options + ",report=" + json).jvm(ALLOW)
                .args(Long.toString(PAUSE_MILLIS)).run().assertOk();
        return Report.read(json, run);
    }

    private static String frame(String marker) {
        String method = marker.equals("audit") ? "audit" : marker.equals("orders") ? "orders" : "scratch";
        return CallPathApp.class.getName() + "." + method + "(CallPathApp.java:" + Sources.line(CallPathApp.class, marker) + ")";
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> paths(Report.Site site) {
        return (List<Map<String, Object>>) site.fields().get("paths");
    }

    private static Map<String, Object> path(Report.Site site, String marker) {
        String innermost = frame(marker);
        return paths(site).stream().filter(p -> ((List<?>) p.get("frames")).getFirst().equals(innermost)).findFirst()
                .orElseThrow(() -> new AssertionError("no path under " + innermost + " in " + paths(site)));
    }

    private static long number(Map<String, Object> fields, String name) {
        return ((Number) fields.get(name)).longValue();
    }

    @Test
    void shouldBreakALibrarySiteDownByItsCallersExactlyWhenEveryAllocationIsWalked() {
        Report report = run("stacks=all");
        Report.Site store = report.site(BlockStore.class, "store", "Unsafe.allocateMemory");
        assertEquals(6_000, store.allocations(), report.text());
        assertEquals(4_000, store.liveBlocks());
        Map<String, Object> orders = path(store, "orders");
        Map<String, Object> audit = path(store, "audit");
        Map<String, Object> scratch = path(store, "scratch");
        assertEquals(3, paths(store).size(), "one path per caller: " + paths(store));
        assertEquals(3_000, number(orders, "sampledLiveBlocks"));
        assertEquals(1_000, number(audit, "sampledLiveBlocks"));
        assertEquals(0, number(scratch, "sampledLiveBlocks"));
        assertEquals(2_000, number(scratch, "sampledAllocations"));
        assertEquals(0.75, ((Number) orders.get("share")).doubleValue(), 1e-9);
        assertEquals(store.liveBytes() * 3 / 4, number(orders, "liveBytes"), 1, "a path's live bytes are its share of the site's");
        assertEquals(List.of(frame("orders"), CallPathApp.class.getName() + ".main(CallPathApp.java:"
                + mainLine(orders) + ")"), orders.get("frames"), "the library's own frames are skipped; the callers' follow");
        assertEquals(orders, paths(store).getFirst(), "paths come by live bytes");
        assertNull(scratch.get("oldestLiveAt"), "a path with nothing live has no oldest block");
    }

    /** The line of main that called the path's innermost frame, read back from the report (main's lines are not marked). */
    private static long mainLine(Map<String, Object> path) {
        String caller = (String) ((List<?>) path.get("frames")).get(1);
        return Long.parseLong(caller.substring(caller.lastIndexOf(':') + 1, caller.length() - 1));
    }

    @Test
    void shouldEstimateTheSharesFromSampledAllocations() {
        // about 250 live samples of 1 KiB at one per 16 KiB: the orders' share 0.75 has a standard deviation of ~0.03
        Report report = run("stacks=sampled:16k");
        Report.Site store = report.site(BlockStore.class, "store", "Unsafe.allocateMemory");
        assertEquals(6_000, store.allocations(), "sampling moves no allocation out of its site");
        assertEquals(4_000, store.liveBlocks());
        double share = ((Number) path(store, "orders").get("share")).doubleValue();
        assertTrue(share > 0.6 && share < 0.9, "orders' estimated share " + share + ": " + paths(store));
        long sampled = number(path(store, "orders"), "sampledLiveBlocks") + number(path(store, "audit"), "sampledLiveBlocks");
        assertTrue(sampled > 100 && sampled < 500, sampled + " live samples of 4,000 KiB at one per 16 KiB");
        long estimate = number(path(store, "orders"), "estimatedLiveBytes") + number(path(store, "audit"), "estimatedLiveBytes");
        assertEquals(store.liveBytes(), estimate, store.liveBytes() * 0.25, "the weighted samples estimate the live bytes");
    }

    @Test
    void shouldKnowTheOldestLiveBlockEvenWithoutStacks() {
        Report report = run("stacks=off");
        Report.Site store = report.site(BlockStore.class, "store", "Unsafe.allocateMemory");
        assertTrue(paths(store).isEmpty(), "stacks=off walks no stack: " + paths(store));
        long age = number(store.fields(), "oldestLiveAgeMillis");
        assertTrue(age >= PAUSE_MILLIS, "the audit log's first block was allocated before the pause: " + age + " ms");
    }

    @Test
    void shouldDateEachPathsOldestBlock() {
        Report report = run("stacks=all");
        Report.Site store = report.site(BlockStore.class, "store", "Unsafe.allocateMemory");
        long audit = java.time.Instant.parse((String) path(store, "audit").get("oldestLiveAt")).toEpochMilli();
        long orders = java.time.Instant.parse((String) path(store, "orders").get("oldestLiveAt")).toEpochMilli();
        assertTrue(orders - audit >= PAUSE_MILLIS - 100, "audit " + audit + ", orders " + orders);
        assertTrue(number(store.fields(), "oldestLiveAgeMillis") >= PAUSE_MILLIS);
    }

    @Test
    void shouldGiveTheSamePathsInObserveMode() {
        Report report = run("mode=observe,stacks=all");
        Report.Site store = report.site(BlockStore.class, "store", "Unsafe.allocateMemory");
        assertEquals(4_000, store.liveBlocks(), report.text());
        assertEquals(3_000, number(path(store, "orders"), "sampledLiveBlocks"));
        assertEquals(1_000, number(path(store, "audit"), "sampledLiveBlocks"));
        assertEquals(0.75, ((Number) path(store, "orders").get("share")).doubleValue(), 1e-9);
        assertTrue(number(store.fields(), "oldestLiveAgeMillis") >= PAUSE_MILLIS);
    }

    @Test
    void shouldCountNoSiteWithSitesOff() {
        Report report = run("sites=false");
        Report.Site store = report.site(BlockStore.class, "store", "Unsafe.allocateMemory");
        assertEquals(0, store.allocations(), "sites=false counts nothing per site: " + store);
        assertTrue(report.total("allocatorLiveBytes") >= 4_000 * 1024, "hakmem still serves: " + report.totals());
    }
}
