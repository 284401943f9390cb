package dev.hakmem.agent.corpus;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.util.function.IntFunction;

/**
 * One call site of each shape the agent rewrites, for the shapes the corpus lacks (it holds no
 * method-handle constant naming a direct-memory method): calls through both owners javac writes for
 * {@code allocateDirect}, the four {@code Unsafe} methods, and a method reference.
 */
final class Shapes {
    private Shapes() {
    }

    static ByteBuffer direct() {
        return ByteBuffer.allocateDirect(8);
    }

    static ByteBuffer mapped() {
        return MappedByteBuffer.allocateDirect(8);
    }

    static IntFunction<ByteBuffer> reference() {
        return ByteBuffer::allocateDirect;
    }

    static void unsafeCycle(sun.misc.Unsafe unsafe, ByteBuffer buffer) {
        long address = unsafe.allocateMemory(8);
        address = unsafe.reallocateMemory(address, 16);
        unsafe.freeMemory(address);
        unsafe.invokeCleaner(buffer);
    }

    static sun.misc.Unsafe unsafe() throws ReflectiveOperationException {
        Field field = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        field.setAccessible(true);
        return (sun.misc.Unsafe) field.get(null);
    }
}
