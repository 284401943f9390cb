package dev.hakmem.it;

import dev.hakmem.it.apps.NioApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A plain NIO program under the agent: files and loopback sockets over hakmem's direct buffers. */
class NioProgramTest {
    private static final String ALLOCATE_DIRECT = "ByteBuffer.allocateDirect";

    @TempDir
    Path dir;

    @Test
    void shouldCarryFileAndSocketTrafficInBuffersHakmemServesAndAttributeThemToTheirLines() {
        Path file = dir.resolve("report.json");
        ChildJvm.Result run = ChildJvm.of(NioApp.class).agent("report=" + file).run().assertOk();
        Report report = Report.read(file, run);

        assertEquals("replace", report.totalText("mode"), "totals.mode");
        site(report, "file-out", "throughFile", "(Ljava/nio/file/Path;)V");
        site(report, "file-in", "throughFile", "(Ljava/nio/file/Path;)V");
        site(report, "socket-out", "throughSocket", "()V");
        site(report, "socket-back", "throughSocket", "()V");
        site(report, "socket-relay", "echo", "(Ljava/nio/channels/SocketChannel;)V");
        assertEquals(0, report.jdkDirectCount(),
                "the JDK's direct pool at exit, while the program still holds its 5 buffers, must be empty: hakmem served them\n" + report.text());
        assertEquals(0, report.jdkDirectBytes(), "jdk.directBytes\n" + report.text());
        assertEquals(0, report.total("invalidFrees"), "totals.invalidFrees");
    }

    private static void site(Report report, String marker, String method, String descriptor) {
        Report.Site site = report.site(NioApp.class, marker, ALLOCATE_DIRECT);
        assertEquals(method, site.method(), "method of " + site);
        assertEquals(descriptor, site.descriptor(), "descriptor of " + site);
        assertEquals("NioApp.java", site.file(), "file of " + site);
        // the program keeps every buffer: allocated once, never freed, alive at exit
        site.assertCounts(1, 0);
        assertEquals(1, site.liveBlocks(), "liveBlocks of " + site);
    }
}
