package dev.hakmem.benchmarks.agent;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * An FFM arena's life around one segment, {@code try (Arena a = Arena.ofConfined()) { a.allocate(n); }},
 * and Netty 4.2's pattern on JDK 25, one shared arena per buffer: the same code with the agent (hakmem
 * serves the segment through the JDK's funnel and attributes it from the stack) and without it (the
 * JDK's malloc). {@code *Floor} creates and closes the arena without allocating: what no allocator can
 * take away.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ArenaThroughAgent {
    @Param({"64", "1024", "8192", "262144"})
    public long size;

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", DirectBufferExplicitFree.AGENT})
    public long confinedAgent() {
        try (Arena arena = Arena.ofConfined()) {
            return arena.allocate(size).address();
        }
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
    public long confinedJdk() {
        try (Arena arena = Arena.ofConfined()) {
            return arena.allocate(size).address();
        }
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
    public long confinedFloor() {
        try (Arena arena = Arena.ofConfined()) {
            return arena.hashCode();
        }
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", DirectBufferExplicitFree.AGENT})
    public long sharedAgent() {
        Arena arena = Arena.ofShared();
        MemorySegment s = arena.allocate(size);
        arena.close();
        return s.address();
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
    public long sharedJdk() {
        Arena arena = Arena.ofShared();
        MemorySegment s = arena.allocate(size);
        arena.close();
        return s.address();
    }
}
