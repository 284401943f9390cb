package dev.hakmem.agent.backend;

/**
 * Limits for the tests' states: 64 MiB, so a thread takes credit in batches of 8 KiB and serves
 * buffers up to 2 KiB from it; filled in the state's constructor, with one reservation too large for
 * credit, to a few KiB under the top, where the races that matter happen.
 */
final class Limits {
    static final long LIMIT = 64 << 20;
    static final long CREDIT_BATCH = 8 << 10;

    private Limits() {
    }

    /** A limit with {@code left} bytes left on its shared counter and no thread holding credit. */
    static DirectMemoryLimit withBytesLeft(long left) {
        DirectMemoryLimit limit = new DirectMemoryLimit(LIMIT);
        if (limit.largestCredited() != CREDIT_BATCH / 4) {
            throw new IllegalStateException("the limit's credit changed: " + limit.largestCredited());
        }
        if (left < LIMIT && !limit.tryReserve(LIMIT - left)) {
            throw new IllegalStateException("could not fill a new limit");
        }
        return limit;
    }

    /** Bytes on the shared counter: in buffers plus held as credit. */
    static long shared(DirectMemoryLimit limit) {
        return limit.reserved() + limit.creditHeld();
    }
}
