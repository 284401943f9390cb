package dev.hakmem.it.apps;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * Direct buffers and {@code Unsafe} blocks for {@code mode=observe}: ten buffers of 10,000 bytes kept to
 * the end, a block that is reallocated and freed, a block kept, and a buffer freed at once. Prints what
 * the JDK's own "direct" pool holds while the buffers live ({@code jdkDirectCount}, {@code jdkDirectBytes}).
 */
public final class ObserveApp {
    private static final List<ByteBuffer> KEPT = new ArrayList<>();
    private static long keptBlock;

    private ObserveApp() {
    }

    public static void main(String[] args) {
        for (int i = 0; i < 10; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(10_000); // site:observe-direct
            buffer.putInt(9_996, i);
            KEPT.add(buffer);
        }
        long block = UNSAFE.allocateMemory(5_000); // site:observe-allocate
        UNSAFE.putLong(block, 42);
        block = UNSAFE.reallocateMemory(block, 20_000); // site:observe-reallocate
        check(UNSAFE.getLong(block) == 42, "reallocateMemory lost the contents");
        UNSAFE.freeMemory(block); // site:observe-free
        keptBlock = UNSAFE.allocateMemory(777); // site:observe-kept
        ByteBuffer cleaned = ByteBuffer.allocateDirect(3_000); // site:observe-cleaned
        UNSAFE.invokeCleaner(cleaned);

        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
        System.out.println("jdkDirectCount=" + direct.getCount());
        System.out.println("jdkDirectBytes=" + direct.getMemoryUsed());
        System.out.println("kept=" + KEPT.size() + " block=" + (keptBlock != 0));
        Checks.ok();
    }
}
