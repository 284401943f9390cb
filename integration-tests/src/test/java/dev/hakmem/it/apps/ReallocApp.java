package dev.hakmem.it.apps;

import java.nio.ByteBuffer;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Checks.expectThrows;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * {@code Unsafe}'s contract for allocate, reallocate and free, and the size corners of
 * {@code allocateDirect}: growth from 16 bytes through 64 KiB, 1 MiB and 8 MiB keeping the contents,
 * shrinking, size 0, address 0, negative sizes, sizes no machine has, a 256 MiB direct buffer, and a
 * direct buffer above {@code -XX:MaxDirectMemorySize} (run with {@code -XX:MaxDirectMemorySize=512m}).
 * Passes with and without the agent.
 */
public final class ReallocApp {
    private static final long HUGE = Long.MAX_VALUE / 2;

    private ReallocApp() {
    }

    public static void main(String[] args) {
        growAndShrink();
        zeroSizesAndNullAddresses();
        negativeSizes();
        sizesNoMachineHas();
        largeDirectBuffers();
        Checks.ok();
    }

    private static void growAndShrink() {
        long block = UNSAFE.allocateMemory(16); // site:grow-allocate
        fill(block, 0, 16);
        long filled = 16;
        for (long size : new long[] {64 << 10, 1 << 20, 8 << 20}) {
            block = UNSAFE.reallocateMemory(block, size); // site:grow
            check(block != 0, "reallocateMemory to " + size + " returned 0");
            verify(block, filled, "growing to " + size);
            fill(block, filled, size);
            filled = size;
        }
        block = UNSAFE.reallocateMemory(block, 100); // site:shrink
        verify(block, 100, "shrinking to 100");
        check(UNSAFE.reallocateMemory(block, 0) == 0, "reallocateMemory(a, 0) must return 0"); // site:to-zero
        System.out.println("growth=ok");
    }

    private static void zeroSizesAndNullAddresses() {
        check(UNSAFE.allocateMemory(0) == 0, "allocateMemory(0) must return 0"); // site:allocate-zero
        long block = UNSAFE.reallocateMemory(0, 32); // site:from-null
        check(block != 0, "reallocateMemory(0, 32) returned 0");
        fill(block, 0, 32);
        verify(block, 32, "a block from reallocateMemory(0, n)");
        UNSAFE.freeMemory(block); // site:free-from-null
        check(UNSAFE.reallocateMemory(0, 0) == 0, "reallocateMemory(0, 0) must return 0"); // site:null-to-zero
        UNSAFE.freeMemory(0); // site:free-null
    }

    private static void negativeSizes() {
        expectThrows(IllegalArgumentException.class, () -> UNSAFE.allocateMemory(-1), "allocateMemory(-1)"); // site:allocate-negative
        long block = UNSAFE.allocateMemory(64); // site:before-negative
        fill(block, 0, 64);
        expectThrows(IllegalArgumentException.class, () -> UNSAFE.reallocateMemory(block, -1), "reallocateMemory(a, -1)"); // site:reallocate-negative
        verify(block, 64, "the block after a refused reallocateMemory(a, -1)");
        UNSAFE.freeMemory(block); // site:free-after-negative
        expectThrows(IllegalArgumentException.class, () -> ByteBuffer.allocateDirect(-1), "allocateDirect(-1)"); // site:direct-negative
    }

    private static void sizesNoMachineHas() {
        OutOfMemoryError e = expectThrows(OutOfMemoryError.class, () -> UNSAFE.allocateMemory(HUGE), "allocateMemory(Long.MAX_VALUE / 2)"); // site:allocate-huge
        System.out.println("allocateHuge=" + e.getMessage());
        long block = UNSAFE.allocateMemory(64); // site:before-huge
        fill(block, 0, 64);
        e = expectThrows(OutOfMemoryError.class, () -> UNSAFE.reallocateMemory(block, HUGE), "reallocateMemory(a, Long.MAX_VALUE / 2)"); // site:reallocate-huge
        System.out.println("reallocateHuge=" + e.getMessage());
        verify(block, 64, "the block after a failed reallocateMemory(a, Long.MAX_VALUE / 2)");
        UNSAFE.freeMemory(block); // site:free-after-huge
    }

    private static void largeDirectBuffers() {
        int size = 256 << 20;
        ByteBuffer large = ByteBuffer.allocateDirect(size); // site:direct-256m
        check(large.isDirect() && large.capacity() == size, "allocateDirect(256 MiB): " + large);
        for (int at = 0; at < size; at += 4096) {
            if (large.get(at) != 0) {
                Checks.fail("allocateDirect(256 MiB) is not zeroed at " + at);
            }
        }
        large.put(size - 1, (byte) 1);
        check(large.get(size - 1) == 1, "the last byte of the 256 MiB buffer");
        UNSAFE.invokeCleaner(large);
        OutOfMemoryError e = expectThrows(OutOfMemoryError.class, () -> ByteBuffer.allocateDirect(1 << 30), // site:direct-1g
                "allocateDirect(1 GiB) above -XX:MaxDirectMemorySize=512m");
        check(e.getMessage().contains(Long.toString(512L << 20)), "the error does not name the 512 MiB limit: " + e.getMessage());
        System.out.println("directAboveLimit=" + e.getMessage());
    }

    private static byte pattern(long index) {
        return (byte) (index * 13 + (index >>> 8) + 1);
    }

    private static void fill(long block, long from, long to) {
        for (long i = from; i < to; i++) {
            UNSAFE.putByte(block + i, pattern(i));
        }
    }

    private static void verify(long block, long length, String what) {
        for (long i = 0; i < length; i++) {
            if (UNSAFE.getByte(block + i) != pattern(i)) {
                Checks.fail(what + ": byte " + i + " is " + UNSAFE.getByte(block + i) + ", expected " + pattern(i));
            }
        }
    }
}
