package dev.hakmem.agent.transform;

import java.nio.ByteBuffer;
import java.util.function.IntFunction;

/** Input for {@link CallSiteTransformerTest}: each call carries a marker comment the test looks its line up by. */
@SuppressWarnings({"removal", "unused"})
class Callers {
    private final sun.misc.Unsafe unsafe;

    Callers(sun.misc.Unsafe unsafe) {
        this.unsafe = unsafe;
    }

    ByteBuffer direct(int size) {
        return ByteBuffer.allocateDirect(size); // site:direct
    }

    long unsafeCycle(long size) {
        long a = unsafe.allocateMemory(size); // site:allocate
        a = unsafe.reallocateMemory(a, size * 2); // site:reallocate
        unsafe.freeMemory(a); // site:free
        return a;
    }

    void clean(ByteBuffer buffer) {
        unsafe.invokeCleaner(buffer); // site:cleaner
    }

    IntFunction<ByteBuffer> reference() {
        return ByteBuffer::allocateDirect; // site:reference
    }

    long twoOnOneLine(long n) {
        return unsafe.allocateMemory(n) + unsafe.allocateMemory(n); // site:two
    }

    long branchy(long n) {
        long total = 0;
        for (int i = 0; i < n; i++) {
            try {
                long a = i % 2 == 0 ? unsafe.allocateMemory(16) : unsafe.allocateMemory(32); // site:branchy
                total += a;
                unsafe.freeMemory(a);
            } catch (OutOfMemoryError e) {
                total--;
            }
        }
        return total;
    }

    ByteBuffer heap(int size) {
        return ByteBuffer.allocate(size);
    }
}
