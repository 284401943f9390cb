package dev.hakmem.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Checks that the native malloc a run is labelled with is the one mapped into this JVM, so a lost
 * {@code LD_PRELOAD} fails the run instead of mislabelling glibc numbers. bin/bench passes the label as
 * {@code -Dhakmem.label}; the JMH forks ({@link AllocatorState}) and the RSS driver both check it.
 */
public final class Preload {
    /** Native mallocs bin/bench preloads, by the label it gives their rows. */
    public static final List<String> PRELOADABLE = List.of("jemalloc", "mimalloc", "tcmalloc");

    private Preload() {
    }

    /**
     * @param label glibc, or one of {@link #PRELOADABLE}
     * @return the path of the preloaded malloc, or "glibc malloc" when none is mapped and none was asked for
     * @throws IllegalStateException if what is mapped does not match {@code label}
     */
    public static String check(String label) {
        Optional<String> mapped = mappedMalloc();
        if (PRELOADABLE.contains(label)) {
            if (mapped.isEmpty() || !mapped.get().contains(label)) {
                throw new IllegalStateException("hakmem.label=" + label + " but lib" + label
                        + " is not mapped into the forked JVM (mapped: " + mapped.orElse("none")
                        + "); LD_PRELOAD=" + System.getenv("LD_PRELOAD"));
            }
            return mapped.get();
        }
        if (mapped.isPresent()) {
            throw new IllegalStateException("hakmem.label=" + label + " but " + mapped.get()
                    + " is mapped; LD_PRELOAD=" + System.getenv("LD_PRELOAD"));
        }
        return "glibc malloc";
    }

    private static Optional<String> mappedMalloc() {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.map(line -> line.substring(line.lastIndexOf(' ') + 1))
                    .filter(path -> PRELOADABLE.stream().anyMatch(path::contains))
                    .findFirst();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/maps to check LD_PRELOAD", e);
        }
    }
}
