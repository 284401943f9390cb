package dev.hakmem.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The agent's JSON report ({@code report=<file>}):
 * {@code {"sites":[{...}],"totals":{...},"jdk":{"directCount","directBytes"}}}.
 */
final class Report {
    /** The per-site fields the report promises, in its order; other tools read these names. */
    static final List<String> SITE_FIELDS = List.of("id", "class", "method", "descriptor", "file", "line", "api",
            "allocations", "frees", "bytesAllocated", "liveBytes", "liveBlocks", "peakLiveBytes", "peakAt", "behaviour",
            "oldestLiveAt", "oldestLiveAgeMillis", "paths");

    private final Path file;
    private final String text;
    private final Map<String, Object> root;

    private Report(Path file, String text, Map<String, Object> root) {
        this.file = file;
        this.text = text;
        this.root = root;
    }

    @SuppressWarnings("unchecked")
    static Report read(Path file, ChildJvm.Result run) {
        assertTrue(Files.isRegularFile(file), "the agent wrote no report to " + file + ":\n" + run.describe());
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Object root = Json.parse(text);
        assertInstanceOf(Map.class, root, "the report is not a JSON object:\n" + text);
        return new Report(file, text, (Map<String, Object>) root);
    }

    static Report read(Path file) {
        return read(file, new ChildJvm.Result(0, "", "", List.of("(attached)")));
    }

    Map<String, Object> root() {
        return root;
    }

    String text() {
        return text;
    }

    @SuppressWarnings("unchecked")
    List<Site> sites() {
        return ((List<Map<String, Object>>) root.get("sites")).stream().map(Site::new).toList();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> totals() {
        return (Map<String, Object>) root.get("totals");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> jdk() {
        return (Map<String, Object>) root.get("jdk");
    }

    long total(String key) {
        Object value = totals().get(key);
        assertInstanceOf(Long.class, value, "totals." + key + " is not an integer in " + file + ":\n" + text);
        return (Long) value;
    }

    String totalText(String key) {
        Object value = totals().get(key);
        assertInstanceOf(String.class, value, "totals." + key + " is not a string in " + file + ":\n" + text);
        return (String) value;
    }

    long jdkDirectCount() {
        return (Long) jdk().get("directCount");
    }

    long jdkDirectBytes() {
        return (Long) jdk().get("directBytes");
    }

    /** Every site the agent found in {@code className}. */
    List<Site> sitesOf(String className) {
        return sites().stream().filter(s -> s.className().equals(className)).toList();
    }

    /** The one site at the line marked {@code // site:marker} in {@code app}'s source, for {@code api}. */
    Site site(Class<?> app, String marker, String api) {
        int line = Sources.line(app, marker);
        String className = app.getName();
        List<Site> found = sites().stream()
                .filter(s -> s.className().equals(className) && s.line() == line && s.api().equals(api))
                .toList();
        if (found.size() != 1) {
            fail("expected one " + api + " site at " + className + " line " + line + " (// site:" + marker + "), found "
                    + found.size() + "; the sites of " + className + ":\n" + describe(sitesOf(className)));
        }
        return found.getFirst();
    }

    static String describe(List<Site> sites) {
        return sites.stream().map(Site::toString).collect(Collectors.joining("\n  ", "  ", ""));
    }

    /** One entry of "sites". */
    record Site(Map<String, Object> fields) {
        long id() {
            return number("id");
        }

        String className() {
            return (String) fields.get("class");
        }

        String method() {
            return (String) fields.get("method");
        }

        String descriptor() {
            return (String) fields.get("descriptor");
        }

        String file() {
            return (String) fields.get("file");
        }

        long line() {
            return number("line");
        }

        String api() {
            return (String) fields.get("api");
        }

        long allocations() {
            return number("allocations");
        }

        long frees() {
            return number("frees");
        }

        long bytesAllocated() {
            return number("bytesAllocated");
        }

        long liveBytes() {
            return number("liveBytes");
        }

        long liveBlocks() {
            return number("liveBlocks");
        }

        long peakLiveBytes() {
            return number("peakLiveBytes");
        }

        private long number(String name) {
            Object value = fields.get(name);
            if (!(value instanceof Long number)) {
                throw new AssertionError("site field " + name + " is not an integer: " + fields);
            }
            return number;
        }

        /** Asserts the site's counters, naming the site in the message. */
        Site assertCounts(long allocations, long frees) {
            assertEquals(allocations, allocations(), "allocations of " + this);
            assertEquals(frees, frees(), "frees of " + this);
            return this;
        }

        /** Nothing left alive at this site. */
        Site assertNothingLive() {
            assertEquals(0, liveBlocks(), "liveBlocks of " + this);
            assertEquals(0, liveBytes(), "liveBytes of " + this);
            return this;
        }

        @Override
        public String toString() {
            return fields.toString();
        }
    }
}
