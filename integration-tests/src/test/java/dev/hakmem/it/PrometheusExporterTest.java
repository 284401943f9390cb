package dev.hakmem.it;

import dev.hakmem.it.apps.ObservedApp;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped rules file ({@code agent/prometheus/hakmem-jmx-exporter.yaml}) with the Prometheus JMX
 * exporter's agent next to hakmem's: {@code /metrics} on 127.0.0.1 has hakmem's totals and a known
 * site's live bytes, labelled by site and API.
 */
class PrometheusExporterTest {
    private static final String ALLOW = "--sun-misc-unsafe-memory-access=allow";

    private static Path property(String name) {
        String value = System.getProperty(name);
        assertNotNull(value, "system property " + name + " is not set; run these tests through Maven");
        Path path = Path.of(value);
        assertTrue(Files.isRegularFile(path), "no file at " + path);
        return path;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void shouldExposeTheTotalsAndTheTopSitesToPrometheus() throws Exception {
        Path exporter = property("hakmem.it.jmxExporter");
        Path rules = property("hakmem.it.prometheusRules");
        int port = freePort();
        try (ChildJvm.Running app = ChildJvm.of(ObservedApp.class)
                .jvm(ALLOW, "-javaagent:" + exporter + "=127.0.0.1:" + port + ":" + rules).args("serve").start()) {
            app.awaitLine("ready"::equals, Duration.ofSeconds(30));
            Map<String, Double> metrics = scrape(port);

            assertEquals((16 << 16) + (256 << 10) + 0.0, metrics.get("hakmem_live_bytes"), metrics.toString());
            assertEquals(17.0, metrics.get("hakmem_live_blocks"));
            assertEquals(17.0, metrics.get("hakmem_allocations_total"));
            assertEquals(0.0, metrics.get("hakmem_frees_total"));
            assertEquals(0.0, metrics.get("hakmem_invalid_frees_total"));
            assertEquals(1.0, metrics.get("hakmem_mode{mode=\"replace\"}"));
            assertTrue(metrics.get("hakmem_direct_limit_bytes") > 0, metrics.toString());

            String buffers = "{api=\"ByteBuffer.allocateDirect\",site=\"" + ObservedApp.class.getName() + ".main:"
                    + Sources.line(ObservedApp.class, "held-buffers") + "\"}";
            assertEquals((16 << 16) + 0.0, metrics.get("hakmem_site_live_bytes" + buffers), metrics.toString());
            assertEquals(16.0, metrics.get("hakmem_site_live_blocks" + buffers));
            assertEquals(16.0, metrics.get("hakmem_site_allocations_total" + buffers));
            String block = "{api=\"Unsafe.allocateMemory\",site=\"" + ObservedApp.class.getName() + ".main:"
                    + Sources.line(ObservedApp.class, "held-block") + "\"}";
            assertEquals((256 << 10) + 0.0, metrics.get("hakmem_site_live_bytes" + block), metrics.toString());

            app.send("done");
            app.awaitExit(Duration.ofSeconds(30)).assertOk();
        }
    }

    /** {@code /metrics} as name{labels, sorted} → value; retried while the exporter's server is not up yet. */
    private static Map<String, Double> scrape(int port) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(30)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), response.body());
                return parse(response.body());
            } catch (ConnectException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** The text format: {@code name{a="x",b="y"} value}; labels are put in name order so that lookups need not know the exporter's. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> metrics = new HashMap<>();
        for (String line : text.lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String key = line.substring(0, space);
            int brace = key.indexOf('{');
            if (brace > 0) {
                Map<String, String> labels = new TreeMap<>();
                for (String pair : key.substring(brace + 1, key.length() - 1).split(",(?=[a-z_]+=\")")) {
                    int eq = pair.indexOf('=');
                    labels.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
                StringBuilder sorted = new StringBuilder(key.substring(0, brace)).append('{');
                labels.forEach((k, v) -> sorted.append(sorted.charAt(sorted.length() - 1) == '{' ? "" : ",").append(k).append('=').append(v));
                key = sorted.append('}').toString();
            }
            metrics.put(key, Double.parseDouble(line.substring(space + 1)));
        }
        return metrics;
    }
}
