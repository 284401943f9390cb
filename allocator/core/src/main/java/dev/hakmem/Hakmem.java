package dev.hakmem;

/**
 * The process-wide allocator. It starts on first use, configured by {@code hakmem.*} system
 * properties and {@code HAKMEM_*} environment variables (see {@link HakmemConfig}); a bad value
 * fails that first use with a message naming the key.
 *
 * <pre>{@code
 * long address = Hakmem.allocate(64);
 * try {
 *     // ... use 64 bytes at address ...
 * } finally {
 *     Hakmem.free(address);
 * }
 * }</pre>
 */
public final class Hakmem {
    private Hakmem() {
    }

    private static final class Global {
        static final HakmemAllocator INSTANCE = HakmemAllocator.create(HakmemConfig.fromEnvironment());
    }

    /** The process-wide instance. */
    public static HakmemAllocator allocator() {
        return Global.INSTANCE;
    }

    /** @see HakmemAllocator#allocate(long) */
    public static long allocate(long size) {
        return Global.INSTANCE.allocate(size);
    }

    /** @see HakmemAllocator#allocate(long, int) */
    public static long allocate(long size, int siteId) {
        return Global.INSTANCE.allocate(size, siteId);
    }

    /** @see HakmemAllocator#allocateZeroed(long) */
    public static long allocateZeroed(long size) {
        return Global.INSTANCE.allocateZeroed(size);
    }

    /** @see HakmemAllocator#free(long) */
    public static void free(long address) {
        Global.INSTANCE.free(address);
    }

    /** @see HakmemAllocator#tryFree(long) */
    public static boolean tryFree(long address) {
        return Global.INSTANCE.tryFree(address);
    }

    /** @see HakmemAllocator#reallocate(long, long) */
    public static long reallocate(long address, long newSize) {
        return Global.INSTANCE.reallocate(address, newSize);
    }

    /** @see HakmemAllocator#usableSize(long) */
    public static long usableSize(long address) {
        return Global.INSTANCE.usableSize(address);
    }

    /** @see HakmemAllocator#owns(long) */
    public static boolean owns(long address) {
        return Global.INSTANCE.owns(address);
    }

    /** @see HakmemAllocator#debugFindings() */
    public static java.util.List<DebugFinding> debugFindings() {
        return Global.INSTANCE.debugFindings();
    }

    /** @see HakmemAllocator#stats() */
    public static HakmemStats stats() {
        return Global.INSTANCE.stats();
    }
}
