package dev.hakmem.benchmarks;

import dev.hakmem.HakmemAllocator;
import dev.hakmem.HakmemConfig;
import dev.hakmem.SiteUsage;
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

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a report costs: {@code siteUsage()} counts each site's live blocks from the blocks' site
 * entries, so its time grows with the blocks held. {@code blocks} blocks of {@code size} bytes are
 * held over 8 sites while it runs.
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar SiteUsageScan -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SiteUsageScan {
    @Param({"1000000"})
    public int blocks;

    @Param({"64", "1024"})
    public int size;

    private HakmemAllocator allocator;
    private long[] held;

    @Setup(Level.Trial)
    public void hold() {
        allocator = HakmemAllocator.create(HakmemConfig.defaults());
        held = new long[blocks];
        for (int i = 0; i < blocks; i++) {
            held[i] = allocator.allocate(size, 1 + (i & 7));
        }
    }

    @TearDown(Level.Trial)
    public void release() {
        for (long address : held) {
            allocator.free(address);
        }
        allocator.close();
    }

    @Benchmark
    public List<SiteUsage> siteUsage() {
        return allocator.siteUsage();
    }
}
