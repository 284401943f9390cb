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

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * What attribution costs the agent's two hot patterns ({@code Unsafe} allocate + free, and
 * {@code allocateDirect} + {@code invokeCleaner}), one fork per agent setting:
 * {@code sites=false} (no site on any block: the baseline), {@code stacks=off} (exact per-site
 * counts, and samples for ages only), the default ({@code stacks=sampled}, the default interval), and
 * {@code stacks=all} (a stack walk per allocation). Every allocation here is at one site on one
 * thread, so the sampled fork walks the stack about once per sampling interval of bytes.
 *
 * <p>Run from the repository root (the agent path is relative):
 * {@code java -jar benchmarks/target/benchmarks.jar AttributionCost -p size=64,1024}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AttributionCost {
    private static final String ALLOW = "--sun-misc-unsafe-memory-access=allow";
    private static final String AGENT = DirectBufferExplicitFree.AGENT;

    @Param({"64", "1024"})
    public int size;

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", ALLOW, AGENT + "=sites=false,report=off"})
    public long unsafeNoSites() {
        return unsafe();
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", ALLOW, AGENT + "=stacks=off,report=off"})
    public long unsafeSites() {
        return unsafe();
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", ALLOW, AGENT + "=report=off"})
    public long unsafeSampled() {
        return unsafe();
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", ALLOW, AGENT + "=stacks=all,report=off"})
    public long unsafeAll() {
        return unsafe();
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", ALLOW, AGENT + "=sites=false,report=off"})
    public ByteBuffer directNoSites() {
        return direct();
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", ALLOW, AGENT + "=stacks=off,report=off"})
    public ByteBuffer directSites() {
        return direct();
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", ALLOW, AGENT + "=report=off"})
    public ByteBuffer directSampled() {
        return direct();
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", ALLOW, AGENT + "=stacks=all,report=off"})
    public ByteBuffer directAll() {
        return direct();
    }

    private long unsafe() {
        long address = UnsafeAccess.UNSAFE.allocateMemory(size);
        UnsafeAccess.UNSAFE.freeMemory(address);
        return address;
    }

    private ByteBuffer direct() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(size);
        UnsafeAccess.UNSAFE.invokeCleaner(buffer);
        return buffer;
    }
}
