package dev.hakmem.benchmarks;

import dev.hakmem.HakmemAllocator;
import dev.hakmem.HakmemConfig;
import dev.hakmem.ace.PolicyLearner;
import dev.hakmem.refill.spi.EventKind;
import dev.hakmem.refill.spi.EventRing;
import dev.hakmem.refill.spi.Policy;
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

import java.util.concurrent.TimeUnit;

/**
 * Contract C: learning allocates nothing per event. Run with the GC profiler: {@code offerThenLearn}
 * must read 0 B/op, and {@code refillAndFlushLearning} the same B/op with {@code learn=true} as with
 * {@code learn=false} (what it allocates without learning is the engine's: a span carved again after
 * it emptied is a new {@code Span}):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar EventPublish -prof gc -f 1 -wi 3 -i 3 -w 1s -r 1s
 * </pre>
 * <ul>
 *   <li>{@code offerThenLearn}: one event into the ring, and every 1,024 events the learner's round
 *       over them (the ring drained into a {@link PolicyLearner}), on one thread.</li>
 *   <li>{@code refillAndFlushLearning}: an allocator with {@code hakmem.learn} on, 256 blocks of 1 KiB
 *       allocated and freed per operation, so each operation overflows the cache (a flush event) and
 *       refills it (a refill event) through the engine's publishing path; its learner thread drains.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class EventPublish {
    private static final int ROUND = 1024;
    private static final int BLOCKS = 256;

    private EventRing ring;
    private PolicyLearner learner;
    private long offered;
    private long now;
    private HakmemAllocator allocator;
    private final long[] blocks = new long[BLOCKS];

    /** {@code hakmem.learn} of the allocator {@code refillAndFlushLearning} runs on. */
    @Param({"true", "false"})
    public boolean learn;

    @Setup(Level.Trial)
    public void setUp() {
        ring = new EventRing(1 << 14);
        int[] refill = {16};
        learner = new PolicyLearner(Policy.of(refill, new int[] {32}), PolicyLearner.Settings.defaults());
        allocator = HakmemAllocator.create(HakmemConfig.builder().learn(learn).build());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        allocator.close();
    }

    @Benchmark
    public boolean offerThenLearn() {
        boolean kept = ring.offer(EventKind.REFILL, 7, 64);
        if ((++offered & (ROUND - 1)) == 0) {
            learner.beginRound(now += 100_000_000L);
            ring.drain(learner, ROUND);
            learner.endRound();
        }
        return kept;
    }

    @Benchmark
    public long refillAndFlushLearning() {
        long sum = 0;
        for (int i = 0; i < BLOCKS; i++) {
            blocks[i] = allocator.allocate(1024);
            sum += blocks[i];
        }
        for (int i = 0; i < BLOCKS; i++) {
            allocator.free(blocks[i]);
        }
        return sum;
    }
}
