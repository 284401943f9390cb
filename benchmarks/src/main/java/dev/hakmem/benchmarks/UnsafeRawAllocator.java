package dev.hakmem.benchmarks;

import java.lang.reflect.Field;

/**
 * {@code sun.misc.Unsafe.allocateMemory/freeMemory}: the JDK's path to the process's {@code malloc}.
 * Which malloc that is (glibc, jemalloc, mimalloc, tcmalloc) is chosen outside Java, by
 * {@code LD_PRELOAD} on the forked JVM; {@link AllocatorState} checks that the preload arrived.
 * Every call pays the JVM's native transition (about 25 ns for the pair on this machine).
 */
@SuppressWarnings({"removal", "deprecation"}) // Unsafe memory access is deprecated for removal: it is the anchor here
final class UnsafeRawAllocator implements RawAllocator {
    /** Also how {@link RawCandidate} writes to raw addresses (to touch pages), whichever allocator gave them. */
    static final sun.misc.Unsafe UNSAFE = loadUnsafe();

    private static sun.misc.Unsafe loadUnsafe() {
        try {
            Field field = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return (sun.misc.Unsafe) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read sun.misc.Unsafe.theUnsafe", e);
        }
    }

    @Override
    public long allocate(long size) {
        return UNSAFE.allocateMemory(size);
    }

    @Override
    public void free(long address) {
        UNSAFE.freeMemory(address);
    }
}
