package dev.hakmem.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Finds a call site's line in a test program's source by its marker comment, {@code // site:name},
 * so that the tests check the report's line numbers against the source and survive edits.
 */
final class Sources {
    private static final String SOURCES_PROPERTY = "hakmem.it.sources";

    private Sources() {
    }

    /** @return the 1-based line of the one {@code // site:marker} comment in {@code app}'s source file */
    static int line(Class<?> app, String marker) {
        return line(sourceOf(app), marker);
    }

    /** @return the 1-based line of the one {@code // site:marker} comment in {@code file} */
    static int line(Path file, String marker) {
        Pattern pattern = Pattern.compile("//\\s*site:" + Pattern.quote(marker) + "(?![\\w-])");
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (pattern.matcher(lines.get(i)).find()) {
                found.add(i + 1);
            }
        }
        assertEquals(1, found.size(), "expected exactly one '// site:" + marker + "' in " + file + ", found at lines " + found);
        return found.getFirst();
    }

    /** The source file of {@code app}'s top-level class. */
    static Path sourceOf(Class<?> app) {
        Class<?> top = app;
        while (top.getEnclosingClass() != null) {
            top = top.getEnclosingClass();
        }
        String root = System.getProperty(SOURCES_PROPERTY);
        assertNotNull(root, "system property " + SOURCES_PROPERTY + " is not set; run these tests through Maven");
        return Path.of(root, top.getName().replace('.', '/') + ".java");
    }
}
