package dev.hakmem.agent.backend;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling on direct-buffer capacity, counted as {@code java.nio.Bits} counts it (capacity, not
 * block size), so an application sized for {@code -XX:MaxDirectMemorySize} behaves the same.
 * {@code Unsafe} memory is not counted, as the JDK does not count it.
 */
final class DirectMemoryLimit {
    private final long limit;
    private final AtomicLong reserved = new AtomicLong();

    DirectMemoryLimit(long limit) {
        this.limit = limit;
    }

    /** @return false if {@code bytes} more would pass the limit (a request larger than the limit never fits) */
    boolean tryReserve(long bytes) {
        long now;
        while (bytes <= limit - (now = reserved.get())) {
            if (reserved.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
        return false;
    }

    void release(long bytes) {
        reserved.addAndGet(-bytes);
    }

    long reserved() {
        return reserved.get();
    }

    long limit() {
        return limit;
    }
}
