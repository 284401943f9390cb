package dev.hakmem.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ways to zero a block, the job of every direct buffer and of {@code allocateZeroed}: the JDK's
 * {@code Unsafe.setMemory} (what {@code ByteBuffer.allocateDirect} uses), 8-byte stores in a counted
 * loop through {@code Unsafe} (what hakmem's bridge uses), a segment's {@code fill}, and 8-byte stores
 * through a segment (what {@code Span.zero} uses from 256 B). One cache-hot block, as in an allocate +
 * free loop over recycled memory. The {@code Unsafe} stores go through {@code sun.misc.Unsafe}, as an
 * application's would, and ran no faster than {@code setMemory} here; the bridge's loop over the JDK's
 * internal {@code Unsafe} is measured in place by {@code agent.DirectBufferExplicitFree}.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar Zeroing -f 1 -wi 3 -i 3 -w 1s -r 1s</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgs = {"--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class Zeroing {
    @Param({"64", "1024", "8192"})
    public int size;

    private Arena arena;
    private MemorySegment block;
    private long address;

    @Setup(Level.Trial)
    public void allocate() {
        arena = Arena.ofConfined();
        block = arena.allocate(size, 16);
        address = block.address();
    }

    @TearDown(Level.Trial)
    public void free() {
        arena.close();
    }

    @Benchmark
    public void unsafeSetMemory() {
        UnsafeRawAllocator.UNSAFE.setMemory(address, size, (byte) 0);
    }

    @Benchmark
    public void unsafeLongStores() {
        long a = address;
        int words = size & ~7;
        for (int offset = 0; offset < words; offset += 8) {
            UnsafeRawAllocator.UNSAFE.putLong(a + offset, 0L);
        }
    }

    @Benchmark
    public void segmentFill() {
        block.fill((byte) 0);
    }

    @Benchmark
    public void segmentLongStores() {
        MemorySegment b = block;
        int words = size & ~7;
        for (int offset = 0; offset < words; offset += 8) {
            b.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, 0L);
        }
    }
}
