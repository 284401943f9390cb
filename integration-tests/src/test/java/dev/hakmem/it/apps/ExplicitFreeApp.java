package dev.hakmem.it.apps;

import sun.misc.Unsafe;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Checks.expectThrows;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * Explicit frees of direct buffers, by every route a library takes: {@code Unsafe.invokeCleaner} called
 * directly, through reflection, through a method handle and through a method reference. Every buffer
 * stays strongly reachable to the end, so a free the report counts was the explicit one, not the GC's.
 * Also what a direct buffer must be: direct, zeroed (also over recycled memory), bounds, byte order, its
 * address readable as Netty reads it ({@code address} argument; needs {@code --add-opens java.base/java.nio=ALL-UNNAMED}),
 * and {@code invokeCleaner} refusing slices, duplicates and heap buffers as the JDK does.
 * Passes with and without the agent.
 */
public final class ExplicitFreeApp {
    private static final int SIZE = 4096;
    public static final int[] ZEROED_SIZES = {1, 64, 1000, 1003, SIZE, 65536, 1 << 20}; // 1003: a tail after the last 8-byte word
    public static final int ZEROED_ROUNDS = 3;
    private static final List<ByteBuffer> KEPT = new ArrayList<>();

    private ExplicitFreeApp() {
    }

    public static void main(String[] args) throws Throwable {
        freedByDirectCall();
        freedByReflection();
        freedByMethodHandle();
        freedByMethodReference();
        cleanedTwice();
        refusesSlicesDuplicatesAndHeapBuffers();
        zeroedAlsoOverRecycledMemory();
        genuineDirectBuffers();
        if (List.of(args).contains("address")) {
            addressReadAsNettyReadsIt();
        }
        Checks.ok();
    }

    private static void freedByDirectCall() {
        ByteBuffer buffer = kept(ByteBuffer.allocateDirect(SIZE)); // site:direct-call
        buffer.putLong(0, 42);
        UNSAFE.invokeCleaner(buffer); // site:cleaner-call
    }

    private static void freedByReflection() throws ReflectiveOperationException {
        ByteBuffer buffer = kept(ByteBuffer.allocateDirect(SIZE)); // site:reflection
        Method invokeCleaner = Unsafe.class.getMethod("invokeCleaner", ByteBuffer.class);
        invokeCleaner.invoke(UNSAFE, buffer);
    }

    private static void freedByMethodHandle() throws Throwable {
        ByteBuffer buffer = kept(ByteBuffer.allocateDirect(SIZE)); // site:method-handle
        MethodHandle invokeCleaner = MethodHandles.lookup().findVirtual(Unsafe.class, "invokeCleaner",
                MethodType.methodType(void.class, ByteBuffer.class));
        invokeCleaner.invokeExact(UNSAFE, buffer);
    }

    private static void freedByMethodReference() {
        IntFunction<ByteBuffer> allocate = ByteBuffer::allocateDirect; // site:method-reference
        Consumer<ByteBuffer> clean = UNSAFE::invokeCleaner;
        ByteBuffer buffer = kept(allocate.apply(SIZE));
        check(buffer.isDirect() && buffer.capacity() == SIZE, "method reference: " + buffer);
        clean.accept(buffer);
    }

    /** A cleaner runs once: a second invokeCleaner is a no-op, not a double free. */
    private static void cleanedTwice() {
        ByteBuffer buffer = kept(ByteBuffer.allocateDirect(SIZE)); // site:cleaned-twice
        UNSAFE.invokeCleaner(buffer);
        UNSAFE.invokeCleaner(buffer);
    }

    private static void refusesSlicesDuplicatesAndHeapBuffers() {
        ByteBuffer parent = kept(ByteBuffer.allocateDirect(1024)); // site:parent-of-slice
        parent.putInt(100, 0x12345678);
        expectThrows(IllegalArgumentException.class, () -> UNSAFE.invokeCleaner(parent.slice(16, 256)), "invokeCleaner of a slice");
        expectThrows(IllegalArgumentException.class, () -> UNSAFE.invokeCleaner(parent.duplicate()), "invokeCleaner of a duplicate");
        expectThrows(IllegalArgumentException.class, () -> UNSAFE.invokeCleaner(ByteBuffer.allocate(16)), "invokeCleaner of a heap buffer");
        check(parent.getInt(100) == 0x12345678, "the parent is intact after the refused frees");
    }

    /**
     * Allocates, dirties and frees each size a few times: the allocator hands the same memory back,
     * and the buffer must still read as zeros.
     */
    private static void zeroedAlsoOverRecycledMemory() {
        int reused = 0;
        for (int size : ZEROED_SIZES) {
            long previous = 0;
            for (int round = 0; round < ZEROED_ROUNDS; round++) {
                ByteBuffer buffer = kept(ByteBuffer.allocateDirect(size)); // site:zeroed
                long address = MemorySegment.ofBuffer(buffer).address();
                reused += address == previous ? 1 : 0;
                previous = address;
                for (int i = 0; i < size; i++) {
                    if (buffer.get(i) != 0) {
                        Checks.fail("allocateDirect(" + size + ") round " + round + ": byte " + i + " is " + buffer.get(i) + ", not 0");
                    }
                }
                for (int i = 0; i < size; i++) {
                    buffer.put(i, (byte) 0xA5);
                }
                UNSAFE.invokeCleaner(buffer);
            }
        }
        System.out.println("zeroedReused=" + reused);
    }

    private static void genuineDirectBuffers() {
        ByteBuffer buffer = kept(ByteBuffer.allocateDirect(100)); // site:genuine
        check(buffer.isDirect(), "isDirect");
        check(buffer.position() == 0 && buffer.limit() == 100 && buffer.capacity() == 100, "bounds: " + buffer);
        check(buffer.order() == ByteOrder.BIG_ENDIAN, "byte order " + buffer.order());
        check(!buffer.isReadOnly() && !buffer.hasArray(), "read-only or array-backed: " + buffer);
        check(buffer.getClass().getName().equals("java.nio.DirectByteBuffer"), "class " + buffer.getClass().getName());
        check(MemorySegment.ofBuffer(buffer).byteSize() == 100, "segment size " + MemorySegment.ofBuffer(buffer).byteSize());
        ByteBuffer empty = kept(ByteBuffer.allocateDirect(0)); // site:empty
        check(empty.isDirect() && empty.capacity() == 0, "allocateDirect(0): " + empty);
    }

    /** As Netty reads a buffer's address: the {@code java.nio.Buffer.address} field, through reflection. */
    private static void addressReadAsNettyReadsIt() throws ReflectiveOperationException {
        ByteBuffer buffer = kept(ByteBuffer.allocateDirect(SIZE)); // site:address
        Field addressField = Buffer.class.getDeclaredField("address");
        addressField.setAccessible(true);
        long address = addressField.getLong(buffer);
        check(address != 0, "address 0");
        check(address == MemorySegment.ofBuffer(buffer).address(), "the field and the segment disagree");
        UNSAFE.putByte(address + 7, (byte) 99);
        check(buffer.get(7) == 99, "a write through the address is not seen by the buffer");
        buffer.put(9, (byte) 77);
        check(UNSAFE.getByte(address + 9) == 77, "a write through the buffer is not seen at the address");
        check(addressField.getLong(buffer.slice(64, 64)) == address + 64, "a slice's address");
        System.out.println("address=ok");
    }

    private static ByteBuffer kept(ByteBuffer buffer) {
        KEPT.add(buffer);
        return buffer;
    }
}
