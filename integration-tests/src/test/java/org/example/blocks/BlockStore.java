package org.example.blocks;

import sun.misc.Unsafe;

import java.lang.reflect.Field;

/**
 * A stand-in for a library that allocates on its callers' behalf (as a pool's chunk allocation does):
 * its one call site is shared by every caller, so only the call paths above it tell them apart. In a
 * package root of its own, so that the agent takes it for another library than the test programs.
 */
public final class BlockStore {
    private static final Unsafe UNSAFE;

    static {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            UNSAFE = (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private BlockStore() {
    }

    /** @return {@code count} blocks of {@code bytes} each, the caller's to free */
    public static long[] take(int count, int bytes) {
        long[] blocks = new long[count];
        for (int i = 0; i < count; i++) {
            blocks[i] = allocate(bytes);
        }
        return blocks;
    }

    private static long allocate(int bytes) {
        return UNSAFE.allocateMemory(bytes); // site:store
    }

    public static void give(long[] blocks) {
        for (long block : blocks) {
            UNSAFE.freeMemory(block);
        }
    }
}
