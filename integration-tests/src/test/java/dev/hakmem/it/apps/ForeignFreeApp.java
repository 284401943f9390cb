package dev.hakmem.it.apps;

import sun.misc.Unsafe;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * Memory hakmem did not allocate, handed to rewritten {@code reallocateMemory} and {@code freeMemory}:
 * blocks from {@code Unsafe.allocateMemory} called through reflection and through a method handle
 * (paths no call-site rewrite sees, so the JDK's malloc serves them), of sizes from 16 bytes to 8 MiB
 * (glibc's heap and its mmap threshold). The bridge must give them to the JDK's realloc and free
 * untouched: contents kept, no crash, no invalid-free report.
 */
public final class ForeignFreeApp {
    private static final long[] SIZES = {16, 100, 4096, 100_000, 1 << 20, 8 << 20};
    private static final int ROUNDS = 50;

    private ForeignFreeApp() {
    }

    public static void main(String[] args) throws Throwable {
        Method reflective = Unsafe.class.getMethod("allocateMemory", long.class);
        MethodHandle handle = MethodHandles.lookup().findVirtual(Unsafe.class, "allocateMemory",
                MethodType.methodType(long.class, long.class));
        int blocks = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (long size : SIZES) {
                reallocateThenFree((long) reflective.invoke(UNSAFE, size), size);
                reallocateThenFree((long) handle.invokeExact(UNSAFE, size), size);
                long block = (long) reflective.invoke(UNSAFE, size);
                write(block, size);
                UNSAFE.freeMemory(block); // site:foreign-free
                blocks += 3;
            }
        }
        UNSAFE.freeMemory(0); // site:free-null
        System.out.println("foreignBlocks=" + blocks);
        Checks.ok();
    }

    private static void reallocateThenFree(long block, long size) {
        check(block != 0, "the JDK returned 0 for " + size + " bytes");
        write(block, size);
        long moved = UNSAFE.reallocateMemory(block, size * 2); // site:foreign-reallocate
        check(moved != 0, "reallocateMemory returned 0");
        verify(moved, size);
        UNSAFE.putByte(moved + size * 2 - 1, (byte) 0x3C);
        UNSAFE.freeMemory(moved); // site:foreign-free-moved
    }

    private static void write(long block, long size) {
        UNSAFE.putLong(block, 0x1122334455667788L ^ size);
        UNSAFE.putByte(block + size - 1, (byte) 0x5C);
    }

    private static void verify(long block, long size) {
        check(UNSAFE.getLong(block) == (0x1122334455667788L ^ size), "head of a " + size + "-byte block lost on reallocate");
        check(UNSAFE.getByte(block + size - 1) == 0x5C, "tail of a " + size + "-byte block lost on reallocate");
    }
}
