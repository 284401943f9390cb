package dev.hakmem.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link RandomMixed} with mid-size and large blocks, 8–32 KiB: the sizes where a malloc leaves its
 * small-object fast path. Each thread has its own ring ({@code Scope.Thread}); the allocator is shared.
 * bin/bench runs it with 1 thread (the default) and again with {@code -t 2}; ns/op is then the latency
 * per thread, and the summary converts it to throughput to show scaling.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Threads(1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MidLargeMixed extends RingReplace {
    public MidLargeMixed() {
        super(8192, 32768, 0x5EED_0002L);
    }
}
