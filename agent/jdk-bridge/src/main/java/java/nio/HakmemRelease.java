package java.nio;

/**
 * The release a hakmem-served direct buffer's {@code jdk.internal.ref.Cleaner} runs: once, when the
 * buffer becomes unreachable or when {@code Unsafe.invokeCleaner} is called on it (directly, through
 * reflection or through a method handle). It runs on the JDK's Reference Handler thread, so it never throws.
 */
final class HakmemRelease implements Runnable {
    private final HakmemBackend backend;
    private final long address;
    private final int capacity;

    HakmemRelease(HakmemBackend backend, long address, int capacity) {
        this.backend = backend;
        this.address = address;
        this.capacity = capacity;
    }

    @Override
    public void run() {
        try {
            backend.releaseDirect(address, capacity);
        } catch (Throwable ignored) {
            // the backend promises not to throw; an OutOfMemoryError or StackOverflowError here must not end the process
        }
    }
}
