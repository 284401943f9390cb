package dev.hakmem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An allocation writes no state: a cached block is told from a handed-out one by the slot of its
 * cache's stack that its state names (see {@code Span}). These tests drive blocks through every way
 * into a stack and every move inside one, then free each block a second time: each must be refused,
 * and every block handed out again must be freed without complaint.
 */
class CachedBlockStateTest {
    /** Far more than a 64-byte class's cache holds, so its stack overflows and moves blocks down several times. */
    private static final int BLOCKS = 1_000;

    private HakmemAllocator allocator;

    @BeforeEach
    void start() {
        allocator = HakmemAllocator.create(HakmemConfig.defaults());
    }

    @AfterEach
    void stop() {
        allocator.close();
    }

    private long[] allocate(int count, long size) {
        long[] blocks = new long[count];
        Set<Long> distinct = new HashSet<>();
        for (int i = 0; i < count; i++) {
            blocks[i] = allocator.allocate(size);
            assertTrue(distinct.add(blocks[i]), "handed out twice at once: 0x" + Long.toHexString(blocks[i]));
        }
        return blocks;
    }

    @Test
    void shouldRefuseASecondFreeWhereverTheFirstLeftTheBlock() {
        long[] blocks = allocate(BLOCKS, 64);
        for (long block : blocks) {
            allocator.free(block);
        }
        // some sit in the cache (several moved down when its stack overflowed), the rest in their spans
        for (long block : blocks) {
            assertEquals(HakmemAllocator.NOT_A_LIVE_BLOCK, allocator.release(block), "0x" + Long.toHexString(block));
        }
        long[] again = allocate(BLOCKS, 64);
        for (long block : again) {
            assertEquals(HakmemAllocator.RELEASED, allocator.release(block), "0x" + Long.toHexString(block));
        }
        HakmemStats stats = allocator.stats();
        assertEquals(0, stats.liveBlocks(), stats.toString());
        assertEquals(2L * BLOCKS, stats.frees(), stats.toString());
    }

    @Test
    void shouldRefuseASecondFreeOfABlockThatCameBackFromAnotherThread() throws Exception {
        long[][] fromWorker = new long[1][];
        Thread worker = new Thread(() -> fromWorker[0] = allocate(BLOCKS, 64));
        worker.start();
        worker.join();
        Thread owner = Thread.currentThread();
        // the worker's cache is retired with its thread; allocate on this thread, free on another, drain here
        long[] mine = allocate(BLOCKS, 96);
        Thread freer = new Thread(() -> {
            for (long block : mine) {
                allocator.free(block);
            }
            allocator.trim(); // hands its pending remote frees to this thread's heap
        });
        freer.start();
        freer.join();
        long[] refilled = allocate(3 * BLOCKS, 96); // refills drain the remote frees into this cache
        Set<Long> held = new HashSet<>();
        for (long block : refilled) {
            held.add(block);
        }
        for (long block : mine) {
            int expected = held.contains(block) ? HakmemAllocator.RELEASED : HakmemAllocator.NOT_A_LIVE_BLOCK;
            assertEquals(expected, allocator.release(block), "0x" + Long.toHexString(block) + " on " + owner);
            held.remove(block);
        }
        for (long block : held) {
            allocator.free(block);
        }
        for (long block : fromWorker[0]) {
            allocator.free(block); // into the worker's orphaned spans, given back to their chunk once empty
            assertEquals(HakmemAllocator.NOT_A_LIVE_BLOCK, allocator.release(block), "0x" + Long.toHexString(block));
        }
        allocator.trim();
        HakmemStats stats = allocator.stats();
        assertEquals(0, stats.liveBlocks(), stats.toString());
    }

    @Test
    void shouldRefuseAFreeOfACachedBlockThatWasNeverHandedOut() {
        long block = allocator.allocate(200);
        long size = allocator.usableSize(block);
        // a fresh span's first batch is its highest blocks: the cache pops the lowest of them, the one
        // above stays cached, the one below was not taken
        assertEquals(HakmemAllocator.NOT_A_LIVE_BLOCK, allocator.release(block + size), "cached, never handed out");
        assertEquals(HakmemAllocator.NOT_A_LIVE_BLOCK, allocator.release(block - size), "still in its span");
        allocator.free(block);
        assertEquals(0, allocator.stats().liveBlocks());
    }
}
