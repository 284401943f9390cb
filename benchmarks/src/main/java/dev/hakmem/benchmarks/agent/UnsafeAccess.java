package dev.hakmem.benchmarks.agent;

import java.lang.reflect.Field;

/** {@code sun.misc.Unsafe}, as applications get it: the agent benchmarks call it the way they do. */
final class UnsafeAccess {
    static final sun.misc.Unsafe UNSAFE = load();

    private UnsafeAccess() {
    }

    private static sun.misc.Unsafe load() {
        try {
            Field field = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return (sun.misc.Unsafe) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
