package dev.hakmem.agent.observe;

import dev.hakmem.agent.report.ReportSnapshot;
import dev.hakmem.agent.site.CallSite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.hakmem.agent.site.DirectMemoryApi.ALLOCATE_DIRECT;
import static dev.hakmem.agent.site.DirectMemoryApi.ALLOCATE_MEMORY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocatorBeanTest {
    private static final CallSite POOL = SnapshotFixture.site(1, "com.example.Pool", "grow", 42, ALLOCATE_DIRECT);
    private static final CallSite CACHE = SnapshotFixture.site(2, "com.example.Cache$Segment", "<init>", 7, ALLOCATE_MEMORY);
    private static final CallSite IDLE = SnapshotFixture.site(3, "com.example.Once", "run", 9, ALLOCATE_DIRECT);

    private final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private final AtomicInteger snapshotsTaken = new AtomicInteger();
    private final AtomicReference<ReportSnapshot> current = new AtomicReference<>(new SnapshotFixture()
            .row(POOL, 100, 64, 4096).row(CACHE, 10, 5, 65536).row(IDLE, 5, 0, 1024).build());
    private final List<Path> reportsWritten = new ArrayList<>();
    private final AtomicInteger peaksReset = new AtomicInteger();
    private boolean reportsSucceed = true;
    private final List<Observability> started = new ArrayList<>();

    private Observability start() {
        Observability o = Observability.start(() -> {
            snapshotsTaken.incrementAndGet();
            return current.get();
        }, path -> {
            reportsWritten.add(path);
            return reportsSucceed;
        }, peaksReset::incrementAndGet, null, () -> server);
        started.add(o);
        return o;
    }

    @AfterEach
    void closeEverything() {
        started.forEach(Observability::close);
    }

    private Object attribute(String name) throws Exception {
        return server.getAttribute(new ObjectName(AllocatorBean.OBJECT_NAME), name);
    }

    @Test
    void shouldExposeTheReportsTotalsAsAttributes() throws Exception {
        start();
        assertEquals(115L, attribute("Allocations"));
        assertEquals(100L - 64 + 10 - 5 + 5, attribute("Frees"));
        assertEquals(64L * 4096 + 5 * 65536, attribute("LiveBytes"));
        assertEquals(69L, attribute("LiveBlocks"));
        assertEquals(100L * 4096 + 10 * 65536 + 5 * 1024, attribute("BytesAllocated"));
        assertEquals(3L, attribute("Sites"));
        assertEquals("replace", attribute("Mode"));
        assertEquals("mmap", attribute("MemoryRoute"));
        assertEquals(2L, attribute("InvalidFrees"));
        assertEquals(3L, attribute("ForcedGcs"));
        assertEquals(4096L, attribute("DirectReservedBytes"));
        assertEquals(1L << 30, attribute("DirectLimitBytes"));
    }

    @Test
    void shouldKeepEveryTotalOfTheReportInTheTotalsComposite() throws Exception {
        current.set(new SnapshotFixture().row(POOL, 1, 1, 8).total("coverage", "12 of 12 sites").total("ratio", 0.5).build());
        start();
        CompositeData totals = (CompositeData) attribute("Totals");
        assertEquals(100L, totals.get("classesScanned"), "an agent figure, as a long");
        assertEquals(1L, totals.get("sites"), "an int total, as a long");
        assertEquals("12 of 12 sites", totals.get("coverage"), "a total added later shows without a change here");
        assertEquals(0.5, totals.get("ratio"));
        assertEquals(current.get().totals().keySet(), totals.getCompositeType().keySet());
    }

    @Test
    void shouldListTheSitesHoldingMemoryByLiveBytesIndexedBySiteAndApi() throws Exception {
        start();
        TabularData top = (TabularData) attribute("TopSites");
        assertEquals(List.of("site", "api"), top.getTabularType().getIndexNames());
        List<CompositeData> rows = rows(top);
        assertEquals(2, rows.size(), "the idle site holds nothing and is left out");
        CompositeData first = rows.getFirst();
        assertEquals("com.example.Cache$Segment.<init>:7", first.get("site"));
        assertEquals("Unsafe.allocateMemory", first.get("api"));
        assertEquals("com.example.Cache$Segment.<init>(Cache.java:7)", first.get("location"));
        assertEquals(5L * 65536, first.get("liveBytes"));
        assertEquals(5L, first.get("liveBlocks"));
        assertEquals(10L, first.get("allocations"));
        assertEquals(5L, first.get("frees"));
        assertEquals(10L * 65536, first.get("peakLiveBytes"));
        assertEquals("STEADY", first.get("behaviour"));
        assertEquals("com.example.Pool.grow:42", rows.get(1).get("site"));
        assertEquals(first, top.get(new Object[]{"com.example.Cache$Segment.<init>:7", "Unsafe.allocateMemory"}));
    }

    @Test
    void shouldKeepOnlyTheTopSites() throws Exception {
        SnapshotFixture many = new SnapshotFixture();
        for (int i = 1; i <= Observability.TOP_SITES + 5; i++) {
            many.row(SnapshotFixture.site(i, "com.example.S" + i, "m", i, ALLOCATE_DIRECT), i, i, 1024);
        }
        current.set(many.build());
        start();
        List<CompositeData> rows = rows((TabularData) attribute("TopSites"));
        assertEquals(Observability.TOP_SITES, rows.size());
        assertEquals("com.example.S25.m:25", rows.getFirst().get("site"));
        assertEquals("com.example.S6.m:6", rows.getLast().get("site"));
    }

    @Test
    void shouldTellApartSitesThatShareClassMethodLineAndApi() throws Exception {
        CallSite first = SnapshotFixture.site(5, "com.example.Twice", "run", 3, ALLOCATE_DIRECT);
        CallSite second = SnapshotFixture.site(6, "com.example.Twice", "run", 3, ALLOCATE_DIRECT);
        CallSite otherApi = SnapshotFixture.site(7, "com.example.Twice", "run", 3, ALLOCATE_MEMORY);
        CallSite noLines = new CallSite(8, "com.example.NoLines", "run", "()V", null, -1, ALLOCATE_DIRECT);
        current.set(new SnapshotFixture().row(second, 1, 1, 2048).row(first, 1, 1, 1024).row(otherApi, 1, 1, 512)
                .row(noLines, 1, 1, 256).build());
        start();
        List<Object> sites = rows((TabularData) attribute("TopSites")).stream().map(r -> r.get("site")).toList();
        assertEquals(List.of("com.example.Twice.run:3#2", "com.example.Twice.run:3", "com.example.Twice.run:3",
                "com.example.NoLines.run"), sites, "the lower site id keeps the plain name, whichever holds more");
    }

    @Test
    void shouldReadOneSnapshotForAllTheAttributesOfOneRequest() throws Exception {
        start();
        MBeanInfo info = server.getMBeanInfo(new ObjectName(AllocatorBean.OBJECT_NAME));
        String[] names = Arrays.stream(info.getAttributes()).map(a -> a.getName()).toArray(String[]::new);
        AttributeList values = server.getAttributes(new ObjectName(AllocatorBean.OBJECT_NAME), names);
        assertEquals(names.length, values.size());
        for (String name : names) {
            attribute(name);
        }
        assertEquals(1, snapshotsTaken.get(), "one snapshot within the second, however many attributes");
    }

    @Test
    void shouldWriteTheReportWhereTheOperationSays() throws Exception {
        start();
        Object result = server.invoke(new ObjectName(AllocatorBean.OBJECT_NAME), "writeReport", new Object[]{"/tmp/r.html"},
                new String[]{String.class.getName()});
        assertEquals(List.of(Path.of("/tmp/r.html")), reportsWritten);
        assertEquals("report written to /tmp/r.html", result);
        server.invoke(new ObjectName(AllocatorBean.OBJECT_NAME), "writeReport", new Object[]{"relative.json"},
                new String[]{String.class.getName()});
        assertEquals(Path.of("relative.json").toAbsolutePath(), reportsWritten.getLast(), "relative to the JVM's directory");
    }

    @Test
    void shouldFailTheOperationWhenTheReportCannotBeWritten() {
        reportsSucceed = false;
        start();
        MBeanException e = assertThrows(MBeanException.class, () -> server.invoke(new ObjectName(AllocatorBean.OBJECT_NAME),
                "writeReport", new Object[]{"/nowhere/r.json"}, new String[]{String.class.getName()}));
        assertTrue(e.getCause().getMessage().contains("/nowhere/r.json"), e.getCause().getMessage());
        assertThrows(javax.management.RuntimeOperationsException.class, () -> server.invoke(new ObjectName(AllocatorBean.OBJECT_NAME),
                "writeReport", new Object[]{" "}, new String[]{String.class.getName()}));
    }

    @Test
    void shouldResetPeaksAndShowAFreshSnapshotAfterwards() throws Exception {
        start();
        attribute("LiveBytes");
        current.set(new SnapshotFixture().row(POOL, 1, 1, 8).build());
        assertEquals(64L * 4096 + 5 * 65536, attribute("LiveBytes"), "cached for a second");
        server.invoke(new ObjectName(AllocatorBean.OBJECT_NAME), "resetPeaks", new Object[0], new String[0]);
        assertEquals(1, peaksReset.get());
        assertEquals(8L, attribute("LiveBytes"), "read again after the reset");
    }

    @Test
    void shouldRefuseToSetAttributes() {
        start();
        assertThrows(javax.management.AttributeNotFoundException.class,
                () -> server.setAttribute(new ObjectName(AllocatorBean.OBJECT_NAME), new Attribute("LiveBytes", 0L)));
        assertThrows(javax.management.AttributeNotFoundException.class, () -> attribute("NoSuchThing"));
    }

    @Test
    void shouldListHakmemAmongTheBufferPools() throws Exception {
        start();
        BufferPoolMXBean pool = ManagementFactory.getPlatformMXBeans(server, BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("hakmem")).findFirst().orElseThrow();
        assertEquals(69L, pool.getCount());
        assertEquals(64L * 4096 + 5 * 65536, pool.getMemoryUsed());
        assertEquals(64L * 4096 + 5 * 65536, pool.getTotalCapacity());
        assertEquals(new ObjectName(HakmemBufferPool.OBJECT_NAME), pool.getObjectName());
    }

    @Test
    void shouldUnregisterBothBeansOnClose() throws Exception {
        Observability o = start();
        o.close();
        assertFalse(server.isRegistered(new ObjectName(AllocatorBean.OBJECT_NAME)));
        assertFalse(server.isRegistered(new ObjectName(HakmemBufferPool.OBJECT_NAME)));
    }

    @Test
    void shouldRegisterOnlyOnceSomethingCreatedTheServer() throws Exception {
        AtomicReference<MBeanServer> created = new AtomicReference<>();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            Observability o = Observability.start(current::get, path -> true, () -> { }, scheduler, created::get);
            started.add(o);
            assertFalse(o.registered(AllocatorBean.OBJECT_NAME), "no server yet: none is created for hakmem's sake");
            created.set(server);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Observability.SERVER_POLL_SECONDS * 5);
            while (!server.isRegistered(new ObjectName(AllocatorBean.OBJECT_NAME)) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(o.registered(AllocatorBean.OBJECT_NAME), "registered on the next look once the server exists");
            assertTrue(server.isRegistered(new ObjectName(HakmemBufferPool.OBJECT_NAME)));
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void shouldLeaveAnotherAgentsBeanAloneAndGoOn() throws Exception {
        Observability first = start();
        Observability second = start();
        assertTrue(first.registered(AllocatorBean.OBJECT_NAME));
        assertFalse(second.registered(AllocatorBean.OBJECT_NAME));
        second.close();
        assertTrue(server.isRegistered(new ObjectName(AllocatorBean.OBJECT_NAME)), "not the second's to unregister");
    }

    @Test
    void shouldDescribeEveryAttributeWithAnOpenTypeExceptTheTotals() throws Exception {
        start();
        MBeanInfo info = server.getMBeanInfo(new ObjectName(AllocatorBean.OBJECT_NAME));
        for (var a : info.getAttributes()) {
            assertTrue(a.isReadable() && !a.isWritable(), a.getName());
            if (!a.getName().equals("Totals")) {
                assertInstanceOf(javax.management.openmbean.OpenMBeanAttributeInfo.class, a, a.getName());
            }
        }
        assertEquals(List.of("writeReport", "resetPeaks"), Arrays.stream(info.getOperations()).map(o -> o.getName()).toList());
    }

    @SuppressWarnings("unchecked")
    private static List<CompositeData> rows(TabularData table) {
        return new ArrayList<>((java.util.Collection<CompositeData>) table.values());
    }
}
