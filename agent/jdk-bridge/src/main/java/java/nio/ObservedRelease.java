package java.nio;

import jdk.internal.misc.Unsafe;

/**
 * The release an observed direct buffer's {@code jdk.internal.ref.Cleaner} runs: the JDK's own (free
 * the memory, give it back to the JDK's limit), then tells the backend. It runs on the JDK's
 * Reference Handler thread, so it never throws.
 */
final class ObservedRelease implements Runnable {
    private static final Unsafe JDK = Unsafe.getUnsafe();

    private final HakmemBackend backend;
    private final long base;
    private final long size;
    private final int capacity;
    private final int site;

    ObservedRelease(HakmemBackend backend, long base, long size, int capacity, int site) {
        this.backend = backend;
        this.base = base;
        this.size = size;
        this.capacity = capacity;
        this.site = site;
    }

    @Override
    public void run() {
        JDK.freeMemory(base);
        Bits.unreserveMemory(size, capacity);
        try {
            backend.observeDirectRelease(capacity, site);
        } catch (Throwable ignored) {
            // the backend promises not to throw; an OutOfMemoryError or StackOverflowError here must not end the process
        }
    }
}
