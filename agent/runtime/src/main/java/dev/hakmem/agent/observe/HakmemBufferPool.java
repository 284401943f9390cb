package dev.hakmem.agent.observe;

import dev.hakmem.agent.report.ReportSnapshot;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.BufferPoolMXBean;
import java.util.function.Supplier;

/**
 * {@code java.nio:type=BufferPool,name=hakmem}: what hakmem holds, where consoles that list the JDK's
 * "direct" and "mapped" pools look. Every block counts (direct buffers and {@code Unsafe} memory), since
 * both are direct memory the JDK's pools no longer see. Listed by
 * {@code ManagementFactory.getPlatformMXBeans(server, BufferPoolMXBean.class)} and JConsole, not by the
 * variant without a server, which knows only the JDK's own pools.
 */
final class HakmemBufferPool implements BufferPoolMXBean {
    static final String OBJECT_NAME = "java.nio:type=BufferPool,name=hakmem";

    private final Supplier<ReportSnapshot> snapshots;

    HakmemBufferPool(Supplier<ReportSnapshot> snapshots) {
        this.snapshots = snapshots;
    }

    @Override
    public String getName() {
        return "hakmem";
    }

    /** Live blocks and buffers. */
    @Override
    public long getCount() {
        return snapshots.get().total("liveBlocks");
    }

    /** Live bytes (usable bytes in replace mode, requested in observe mode). */
    @Override
    public long getTotalCapacity() {
        return snapshots.get().total("liveBytes");
    }

    /** Live bytes, as for {@link #getTotalCapacity()}: hakmem's size classes round up, and that is counted in both. */
    @Override
    public long getMemoryUsed() {
        return snapshots.get().total("liveBytes");
    }

    @Override
    public ObjectName getObjectName() {
        try {
            return new ObjectName(OBJECT_NAME);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }
}
