package dev.hakmem.benchmarks.agent;

import dev.hakmem.benchmarks.Allocators;
import dev.hakmem.benchmarks.Candidate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.FileDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * {@code ByteBuffer.allocateDirect(size)} freed at once with {@code Unsafe.invokeCleaner}: the same
 * code in {@link #agent} (forked with {@code -javaagent:agent/target/hakmem-agent.jar}, so hakmem
 * serves it) and {@link #jdk} (no agent). Both zero the buffer, as {@code allocateDirect} must. Netty's
 * pooled and adaptive allocators ({@code directBuffer} + {@code release}, thread caches on, no agent)
 * are the Java peers; they do not zero.
 *
 * <p>{@link #cleanerFloor} is the least any genuine direct buffer freed by {@code invokeCleaner} can cost:
 * the JDK's own {@code DirectByteBuffer} over one block allocated once, with a {@code jdk.internal.ref.Cleaner}
 * whose release does nothing; no allocator, no limit, no zeroing, no per-buffer release state. An
 * {@code invokeCleaner} reached through reflection or a method handle only frees a buffer that carries
 * such a cleaner, so whatever serves {@code allocateDirect} pays at least this.
 *
 * <p>Run from the repository root (the agent path is relative): {@code bin/bench agent}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DirectBufferExplicitFree {
    static final String AGENT = "-javaagent:agent/target/hakmem-agent.jar";

    @Param({"64", "1024", "8192", "65536", "262144"})
    public int size;

    private static final String OPEN_NIO = "--add-opens=java.base/java.nio=ALL-UNNAMED";

    private Candidate pooled;
    private Candidate adaptive;
    private long floorBlock;

    @Setup
    public void setUp() {
        pooled = Allocators.create("netty-pooled");
        adaptive = Allocators.create("netty-adaptive");
        floorBlock = UnsafeAccess.UNSAFE.allocateMemory(size); // what cleanerFloor's buffers reuse
    }

    @TearDown
    public void tearDown() {
        UnsafeAccess.UNSAFE.freeMemory(floorBlock);
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow", OPEN_NIO})
    public ByteBuffer cleanerFloor() throws Throwable {
        ByteBuffer buffer = (ByteBuffer) CleanerFloor.NEW_BUFFER.invokeExact(size, floorBlock, (FileDescriptor) null,
                CleanerFloor.RELEASE_NOTHING, false, (MemorySegment) null);
        UnsafeAccess.UNSAFE.invokeCleaner(buffer);
        return buffer;
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow", AGENT})
    public ByteBuffer agent() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(size);
        UnsafeAccess.UNSAFE.invokeCleaner(buffer);
        return buffer;
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow"})
    public ByteBuffer jdk() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(size);
        UnsafeAccess.UNSAFE.invokeCleaner(buffer);
        return buffer;
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow"})
    public void nettyPooled(Blackhole bh) {
        pooled.allocateAndFree(size, bh);
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow"})
    public void nettyAdaptive(Blackhole bh) {
        adaptive.allocateAndFree(size, bh);
    }

    /** The JDK's mapped-buffer constructor: it registers a {@code jdk.internal.ref.Cleaner} running its {@code Runnable}. */
    private static final class CleanerFloor {
        static final Runnable RELEASE_NOTHING = () -> { };
        static final MethodHandle NEW_BUFFER = directBufferConstructor();

        private static MethodHandle directBufferConstructor() {
            try {
                Class<?> direct = Class.forName("java.nio.DirectByteBuffer");
                return MethodHandles.privateLookupIn(direct, MethodHandles.lookup())
                        .findConstructor(direct, MethodType.methodType(void.class, int.class, long.class,
                                FileDescriptor.class, Runnable.class, boolean.class, MemorySegment.class))
                        .asType(MethodType.methodType(ByteBuffer.class, int.class, long.class,
                                FileDescriptor.class, Runnable.class, boolean.class, MemorySegment.class));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }
}
