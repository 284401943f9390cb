package dev.hakmem.benchmarks;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The candidate of this fork, shared by all benchmark threads (one Netty allocator per JVM, as an
 * application would have). For {@code unsafe} it checks that the native malloc named by the system
 * property {@code hakmem.label} (set by bin/bench) is really mapped into this JVM ({@link Preload}), so a
 * lost {@code LD_PRELOAD} fails the run instead of mislabelling glibc numbers; and it prints one line to
 * stderr saying what it found.
 */
@State(Scope.Benchmark)
public class AllocatorState {
    @Param({"hakmem", "unsafe", "arena", "netty-pooled", "netty-adaptive"})
    public String allocator;

    private Candidate candidate;

    @Setup(Level.Trial)
    public void create() {
        candidate = Allocators.create(allocator);
        String description = candidate.describe();
        if (allocator.equals("unsafe")) {
            description += " over " + Preload.check(System.getProperty("hakmem.label", "glibc"));
        }
        System.err.println("# hakmem-bench: allocator=" + description);
    }

    public Candidate candidate() {
        return candidate;
    }
}
