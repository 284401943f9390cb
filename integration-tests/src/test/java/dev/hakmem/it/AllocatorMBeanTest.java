package dev.hakmem.it;

import dev.hakmem.it.apps.ObservedApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dev.hakmem:type=Allocator} and {@code java.nio:type=BufferPool,name=hakmem} on the platform MBean
 * server of a program under the agent, read by the program itself as any JMX client reads them
 * ({@link ObservedApp} in {@code jmx} mode holds 16 direct buffers of 64 KiB and one 256 KiB block).
 */
class AllocatorMBeanTest {
    private static final String ALLOW = "--sun-misc-unsafe-memory-access=allow";
    private static final long HELD_BYTES = (16L << 16) + (256L << 10);

    @TempDir
    Path dir;

    private static String site(String marker) {
        return ObservedApp.class.getName() + ".main:" + Sources.line(ObservedApp.class, marker);
    }

    @Test
    void shouldShowTotalsTopSitesAndTheBufferPoolAndWriteTheReportWhenAsked() {
        Path report = dir.resolve("from-jmx.json");
        ChildJvm.Result run = ChildJvm.of(ObservedApp.class).jvm(ALLOW).args("jmx", report.toString()).run().assertOk();

        assertEquals(List.of("Allocations", "Frees", "BytesAllocated", "LiveBytes", "LiveBlocks", "Sites", "Mode", "MemoryRoute",
                        "DirectReservedBytes", "DirectLimitBytes", "InvalidFrees", "ForcedGcs", "Totals", "TopSites"),
                List.of(run.value("attributes").split(",")));
        assertEquals("replace", run.value("Mode"));
        assertEquals(Long.toString(HELD_BYTES), run.value("LiveBytes"), run.describe());
        assertEquals("17", run.value("LiveBlocks"));
        assertEquals("17", run.value("Allocations"));
        assertEquals("0", run.value("Frees"));
        assertEquals(Long.toString(16L << 16), run.value("DirectReservedBytes"));
        assertTrue(Long.parseLong(run.value("Sites")) >= 2, run.value("Sites"));

        List<String> sites = run.stdout().lines().filter(l -> l.startsWith("site=")).toList();
        assertEquals(2, sites.size(), "the two sites holding memory:\n" + run.describe());
        assertEquals("site=" + site("held-buffers") + "|ByteBuffer.allocateDirect|" + (16L << 16) + "|16|16|"
                + ObservedApp.class.getName() + ".main(ObservedApp.java:" + Sources.line(ObservedApp.class, "held-buffers") + ")",
                sites.getFirst(), "the most live bytes first");
        assertTrue(sites.get(1).startsWith("site=" + site("held-block") + "|Unsafe.allocateMemory|" + (256L << 10) + "|1|1|"), sites.get(1));

        assertEquals("17|" + HELD_BYTES + "|" + HELD_BYTES, run.value("pool.hakmem"), "listed among the buffer pools");
        assertTrue(run.stdout().contains("pool.direct="), "next to the JDK's own pools:\n" + run.stdout());

        assertEquals("report written to " + report, run.value("writeReport"));
        Report written = Report.read(report, run);
        assertEquals(16L << 16, written.site(ObservedApp.class, "held-buffers", "ByteBuffer.allocateDirect").liveBytes());
    }

    @Test
    void shouldRegisterTheBeansInAJvmWithoutTheJfrModule() {
        ChildJvm.Result run = ChildJvm.of(ObservedApp.class)
                .jvm(ALLOW, "--limit-modules", "java.base,java.instrument,java.management,jdk.unsupported")
                .args("jmx", dir.resolve("r.json").toString()).run().assertOk();
        assertEquals(Long.toString(HELD_BYTES), run.value("LiveBytes"), run.describe());
        assertTrue(run.stderr().lines().noneMatch(l -> l.contains("jdk.jfr") || l.contains("NoClassDefFoundError")), run.describe());
    }
}
