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

import java.util.concurrent.TimeUnit;

/**
 * {@code unsafe.allocateMemory(size)} then {@code unsafe.freeMemory(address)}, the same code with the
 * agent (hakmem serves, through the bridge in {@code java.base}) and without it (the JDK's malloc,
 * glibc here; {@code bin/bench agent} also runs it under the preloaded native mallocs).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class UnsafeThroughAgent {
    @Param({"64", "1024", "8192"})
    public long size;

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow", DirectBufferExplicitFree.AGENT})
    public long agent() {
        long address = UnsafeAccess.UNSAFE.allocateMemory(size);
        UnsafeAccess.UNSAFE.freeMemory(address);
        return address;
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow"})
    public long jdk() {
        long address = UnsafeAccess.UNSAFE.allocateMemory(size);
        UnsafeAccess.UNSAFE.freeMemory(address);
        return address;
    }
}
