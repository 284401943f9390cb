package dev.hakmem.samples.nio;

import sun.misc.Unsafe;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * Frees a direct buffer at once, as hand-written servers (and Netty before 4.2) do:
 * {@code sun.misc.Unsafe.invokeCleaner}, with {@code theUnsafe} read by reflection.
 */
final class Cleaners {
    private static final Unsafe UNSAFE = theUnsafe();

    private Cleaners() {
    }

    /** Frees {@code buffer}'s memory now; the buffer must not be used again. */
    static void free(ByteBuffer buffer) {
        UNSAFE.invokeCleaner(buffer);
    }

    private static Unsafe theUnsafe() {
        try {
            Field field = Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return (Unsafe) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no sun.misc.Unsafe", e);
        }
    }
}
