package dev.hakmem.it.apps;

import jdk.internal.misc.Unsafe;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import static dev.hakmem.it.apps.Checks.check;

/**
 * A library's use of {@code jdk.internal.misc.Unsafe}, which it reaches only when started with
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}: directly, and through Agrona 2.x's
 * {@code UnsafeApi} with an {@code UnsafeBuffer} over the memory. Each round allocates, fills, grows
 * (the contents must survive the move) and frees; one block is held to the end ({@code held=} its size).
 * Then addresses hakmem never made, from the JDK's malloc reached through a method handle (which is no
 * call site), are reallocated and freed at the rewritten sites: they must go to the JDK's free, or glibc
 * would end the process.
 */
public final class InternalUnsafeApp {
    public static final int ROUNDS = 500;
    public static final int HELD = 12_345;
    private static final int SIZE = 1000;
    private static final Unsafe UNSAFE = Unsafe.getUnsafe();

    private InternalUnsafeApp() {
    }

    public static void main(String[] args) throws Throwable {
        for (int round = 0; round < ROUNDS; round++) {
            direct(round);
            agrona(round);
        }
        long held = UNSAFE.allocateMemory(HELD); // site:held
        fill(held, HELD, 7);
        foreign();
        check(filled(held, HELD, 7), "the held block changed");
        System.out.println("held=" + HELD);
        Checks.ok();
    }

    private static void direct(int round) {
        long block = UNSAFE.allocateMemory(SIZE); // site:allocate
        fill(block, SIZE, round);
        block = UNSAFE.reallocateMemory(block, 4 * SIZE); // site:reallocate
        check(filled(block, SIZE, round), "reallocateMemory lost the block's contents in round " + round);
        UNSAFE.freeMemory(block); // site:free
    }

    private static void agrona(int round) {
        long block = UnsafeApi.allocateMemory(SIZE);
        UnsafeBuffer buffer = new UnsafeBuffer(block, SIZE);
        for (int i = 0; i + 8 <= SIZE; i += 8) {
            buffer.putLong(i, i * 31L + round);
        }
        block = UnsafeApi.reallocateMemory(block, 4 * SIZE);
        buffer.wrap(block, 4 * SIZE);
        for (int i = 0; i + 8 <= SIZE; i += 8) {
            check(buffer.getLong(i) == i * 31L + round, "Agrona's reallocateMemory lost byte " + i + " in round " + round);
        }
        UnsafeApi.freeMemory(block);
    }

    /** The JDK's own malloc: a lookup at run time is no call site, so the agent leaves it alone. */
    private static void foreign() throws Throwable {
        MethodHandle malloc = MethodHandles.lookup().findVirtual(Unsafe.class, "allocateMemory",
                MethodType.methodType(long.class, long.class));
        long block = (long) malloc.invokeExact(UNSAFE, 64L);
        fill(block, 64, 3);
        block = UNSAFE.reallocateMemory(block, 4096); // site:foreign-reallocate
        check(filled(block, 64, 3), "reallocateMemory lost a foreign block's contents");
        UNSAFE.freeMemory(block); // site:foreign-free
        UnsafeApi.freeMemory((long) malloc.invokeExact(UNSAFE, 100L));
        System.out.println("foreign=ok");
    }

    private static void fill(long address, int bytes, int seed) {
        for (int i = 0; i < bytes; i++) {
            UNSAFE.putByte(address + i, (byte) (i * 13 + seed));
        }
    }

    private static boolean filled(long address, int bytes, int seed) {
        for (int i = 0; i < bytes; i++) {
            if (UNSAFE.getByte(address + i) != (byte) (i * 13 + seed)) {
                return false;
            }
        }
        return true;
    }
}
