package dev.hakmem.it.apps.isolated;

import sun.misc.Unsafe;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * Loaded by {@code IsolatedLoaderApp} in class loaders whose parent is null (they see the JDK's boot
 * modules and nothing of the application), never from the class path. It names only JDK types, so it
 * can run there, and reports failures by throwing.
 */
public final class IsolatedCaller implements Supplier<String> {

    @Override
    public String get() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1000); // site:isolated-direct
        buffer.putInt(996, 0xCAFE);
        expect(buffer.isDirect() && buffer.getInt(996) == 0xCAFE && buffer.getInt(0) == 0, "direct buffer " + buffer);
        Unsafe unsafe = theUnsafe();
        long address = unsafe.allocateMemory(100); // site:isolated-allocate
        expect(address != 0, "allocateMemory returned 0");
        address = unsafe.reallocateMemory(address, 5000); // site:isolated-reallocate
        unsafe.freeMemory(address); // site:isolated-free
        unsafe.invokeCleaner(buffer); // site:isolated-clean
        return "isolated ok in " + getClass().getClassLoader();
    }

    private static Unsafe theUnsafe() {
        try {
            Field field = Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return (Unsafe) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void expect(boolean holds, String what) {
        if (!holds) {
            throw new IllegalStateException("IsolatedCaller: " + what);
        }
    }
}
