package dev.hakmem.it.apps;

import sun.misc.Unsafe;

import java.lang.reflect.Field;

/**
 * {@code sun.misc.Unsafe}, read from {@code theUnsafe} as libraries do. Reading the field is no memory
 * access: it prints no JEP 498 warning and works under {@code --sun-misc-unsafe-memory-access=deny}.
 * This class calls no Unsafe method, so the agent leaves it alone.
 */
public final class Unsafes {
    public static final Unsafe UNSAFE = theUnsafe();

    private Unsafes() {
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
