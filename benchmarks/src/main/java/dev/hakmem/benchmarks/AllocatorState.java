package dev.hakmem.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The candidate of this fork, shared by all benchmark threads (one Netty allocator per JVM, as an
 * application would have). For {@code unsafe} it checks that the native malloc named by the system
 * property {@code hakmem.label} (set by bin/bench) is really mapped into this JVM, so a lost
 * {@code LD_PRELOAD} fails the run instead of mislabelling glibc numbers; and it prints one line to
 * stderr saying what it found.
 */
@State(Scope.Benchmark)
public class AllocatorState {
    /** Native mallocs bin/bench preloads, by the label it gives their rows. */
    private static final List<String> PRELOADABLE = List.of("jemalloc", "mimalloc", "tcmalloc");

    @Param({"hakmem", "unsafe", "arena", "netty-pooled", "netty-adaptive"})
    public String allocator;

    private Candidate candidate;

    @Setup(Level.Trial)
    public void create() {
        candidate = Allocators.create(allocator);
        String description = candidate.describe();
        if (allocator.equals("unsafe")) {
            description += " over " + checkPreload(System.getProperty("hakmem.label", "glibc"));
        }
        System.err.println("# hakmem-bench: allocator=" + description);
    }

    public Candidate candidate() {
        return candidate;
    }

    /** The path of the preloaded malloc, or "glibc malloc" when none is mapped and none was asked for. */
    private static String checkPreload(String label) {
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
