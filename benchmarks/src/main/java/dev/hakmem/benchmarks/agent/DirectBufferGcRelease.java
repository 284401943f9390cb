package dev.hakmem.benchmarks.agent;

import com.sun.management.GarbageCollectionNotificationInfo;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ByteBuffer.allocateDirect(size)} left for the GC to release, under a 256 MiB direct-memory
 * limit: the limit is hit again and again, and each allocator must let pending releases run and, when
 * that is not enough, force a {@code System.gc()}. {@code forcedGcs} counts those collections (GC
 * notifications whose cause is {@code System.gc()}), so the two can be compared on the same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DirectBufferGcRelease {
    @Param({"64", "1024", "8192", "65536", "262144"})
    public int size;

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=256m", DirectBufferExplicitFree.AGENT})
    public ByteBuffer agent(ForcedGcs gcs) {
        return ByteBuffer.allocateDirect(size);
    }

    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=256m"})
    public ByteBuffer jdk(ForcedGcs gcs) {
        return ByteBuffer.allocateDirect(size);
    }

    /** Collections caused by {@code System.gc()} during each iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class ForcedGcs {
        private static final AtomicLong SEEN = new AtomicLong();
        private static volatile boolean listening;
        private long atStart;
        public long forcedGcs;

        @Setup(Level.Iteration)
        public void start() {
            listen();
            forcedGcs = 0;
            atStart = SEEN.get();
        }

        @org.openjdk.jmh.annotations.TearDown(Level.Iteration)
        public void stop() {
            forcedGcs = SEEN.get() - atStart;
        }

        private static synchronized void listen() {
            if (listening) {
                return;
            }
            listening = true;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                    if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                        if ("System.gc()".equals(info.getGcCause()) && !info.getGcAction().contains("minor")) {
                            SEEN.incrementAndGet();
                        }
                    }
                }, null, null);
            }
        }
    }
}
