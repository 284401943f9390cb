package dev.hakmem.it.apps;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * The class {@link AttachApp} loads and runs before the agent is attached: its call sites only reach
 * hakmem if the agent retransforms it. {@link #beforeAttach} runs on the JDK; {@link #afterAttach} frees
 * that memory (foreign to hakmem) and allocates anew; {@link #release} frees what it holds.
 */
public final class AttachTarget {
    public static final int BUFFERS = 5;
    private static final List<ByteBuffer> HELD = new ArrayList<>();
    private static long blockFromBefore;
    private static ByteBuffer bufferFromBefore;

    private AttachTarget() {
    }

    static void beforeAttach() {
        blockFromBefore = UNSAFE.allocateMemory(256); // site:before-allocate
        UNSAFE.putLong(blockFromBefore, 7);
        bufferFromBefore = ByteBuffer.allocateDirect(4096); // site:before-direct
    }

    static void afterAttach() {
        for (int i = 0; i < BUFFERS; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(8192); // site:after-direct
            buffer.putInt(8188, i);
            HELD.add(buffer);
        }
        long block = UNSAFE.allocateMemory(1000); // site:after-allocate
        UNSAFE.putLong(block, 99);
        check(UNSAFE.getLong(blockFromBefore) == 7, "the block from before the attach changed");
        UNSAFE.freeMemory(block); // site:after-free
        UNSAFE.freeMemory(blockFromBefore); // site:free-from-before
        UNSAFE.invokeCleaner(bufferFromBefore); // site:clean-from-before
        // a method handle constant: a retransformed class may not gain the synthetic method it needs
        IntFunction<ByteBuffer> allocate = ByteBuffer::allocateDirect; // site:after-handle
        HELD.add(allocate.apply(512));
    }

    static void release() {
        for (ByteBuffer buffer : HELD) {
            UNSAFE.invokeCleaner(buffer); // site:release
        }
        HELD.clear();
    }
}
