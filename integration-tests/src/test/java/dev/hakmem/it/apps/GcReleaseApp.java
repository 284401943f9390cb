package dev.hakmem.it.apps;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static dev.hakmem.it.apps.Checks.check;

/**
 * Direct buffers left to the garbage collector: ten times the direct-memory limit in 64 KiB buffers,
 * each used once and dropped. Only the limit's GC-and-retry path (the JDK's in {@code java.nio.Bits},
 * hakmem's in its bridge) keeps this from an {@code OutOfMemoryError}: the heap is too large for the
 * garbage to trigger a collection on its own. Arguments: the limit in bytes, and how many threads share
 * the work (default 1). Prints the JVM's collection count.
 */
public final class GcReleaseApp {
    private static final int BUFFER_BYTES = 64 << 10;

    private GcReleaseApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        long limitBytes = Long.parseLong(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        long count = 10 * limitBytes / BUFFER_BYTES;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().name("dropper-" + t).start(() -> drop(count / threads)));
        }
        for (Thread worker : workers) {
            worker.join();
        }
        long collections = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            collections += Math.max(0, gc.getCollectionCount());
        }
        System.out.println("buffers=" + count / threads * threads);
        System.out.println("collections=" + collections);
        Checks.ok();
    }

    private static void drop(long count) {
        for (int i = 0; i < count; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES); // site:dropped
            buffer.put(0, (byte) i);
            buffer.put(BUFFER_BYTES - 1, (byte) i);
            check(buffer.get(0) == (byte) i && buffer.get(BUFFER_BYTES - 1) == (byte) i, "a buffer did not hold what was written");
        }
    }
}
