package dev.hakmem.refill;

import dev.hakmem.refill.spi.EventRing;
import dev.hakmem.refill.spi.PolicySource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpanTest {
    private RefillEngine engine;

    @BeforeEach
    void start() {
        engine = RefillEngine.create(RefillSettings.defaults(), new EventRing(64), new PolicySource(RefillEngine.defaultPolicy()));
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    @Test
    void shouldComputeEveryBlockIndexExactlyAndRejectEveryInteriorAddress() {
        LocalHeap heap = engine.newHeap();
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            Span span = engine.acquireSpan(c, heap);
            long size = span.blockSize();
            for (int i = 0; i < span.blockCount(); i++) {
                long start = span.base() + i * size;
                assertEquals(i, span.blockIndex(start), "class " + c + " block " + i);
                for (long r : new long[] {1, 8, 15, size / 2, size - 16, size - 1}) {
                    if (r == 0) {
                        continue; // size - 16 of the 16-byte class
                    }
                    assertEquals(Span.INTERIOR, span.blockIndex(start + r), "class " + c + " block " + i + " + " + r);
                }
            }
            long blocksEnd = span.base() + span.blockCount() * size;
            long spanEnd = span.base() + ((long) SizeClasses.spanPages(c) << PageMap.PAGE_SHIFT);
            for (long tail = blocksEnd; tail < spanEnd; tail++) {
                assertEquals(Span.INTERIOR, span.blockIndex(tail), "class " + c + ": the tail no block fills, at " + (tail - span.base()));
                assertEquals(Span.INTERIOR, span.release(tail));
            }
            engine.releaseSpan(span);
        }
    }

    @Test
    void shouldHandOutEveryBlockOfANewSpanOnceAndNothingElse() {
        LocalHeap heap = engine.newHeap();
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            Span span = engine.acquireSpan(c, heap);
            int blocks = span.blockCount();
            assertEquals(blocks, span.freeCount, "class " + c);
            long[] taken = new long[blocks + 1 + TestCache.FIRST];
            assertEquals(blocks, span.takeFree(taken, TestCache.FIRST, blocks + 1), "class " + c + ": all its blocks, no more");
            for (int i = 0; i < blocks; i++) {
                assertEquals(span.base() + i * span.blockSize(), taken[TestCache.FIRST + i], "class " + c + " block " + i);
            }
            assertEquals(0, span.takeFree(taken, TestCache.FIRST, 1), "class " + c + ": nothing left");
            for (int i = 0; i < blocks; i++) {
                assertTrue(span.putFree(i), "class " + c + " block " + i);
            }
            assertTrue(span.isEmpty(), "class " + c);
            engine.releaseSpan(span);
        }
    }

    @Test
    void shouldRecogniseEveryNonStartAddressOfAHugeBlock() {
        long bytes = 5L << 20;
        long address = engine.allocateHuge(bytes, false);
        Span span = engine.spanOf(address);
        assertEquals(0, span.blockIndex(address));
        for (long offset = 1; offset < bytes; offset = offset < 4096 ? offset + 1 : offset + 4093) {
            assertEquals(Span.INTERIOR, span.blockIndex(address + offset), "offset " + offset);
        }
        for (long offset : new long[] {1L << 21, 2L << 21, 1L << 22, bytes - 1}) {
            assertEquals(Span.INTERIOR, span.blockIndex(address + offset), "offset " + offset);
            assertEquals(Span.INTERIOR, span.release(address + offset), "offset " + offset);
        }
        assertEquals(0, span.release(address));
        engine.freeNotOwned(span, address);
    }

    @Test
    void shouldTrackAllocationStateForDoubleFreeDetection() {
        LocalHeap heap = engine.newHeap();
        Span span = engine.acquireSpan(SizeClasses.classOf(64), heap);
        long block = span.base() + 64;
        assertEquals(Span.NOT_ALLOCATED, span.release(block), "never handed out");
        span.markAllocated(block);
        assertTrue(span.isAllocated(block));
        assertEquals(1, span.release(block));
        assertEquals(Span.NOT_ALLOCATED, span.release(block), "second free");
        assertEquals(Span.INTERIOR, span.release(block + 8));
    }

    @Test
    void shouldTellACachedBlockFromAHandedOutOneByTheSlotItWasPutIn() {
        LocalHeap heap = engine.newHeap();
        int c = SizeClasses.classOf(64);
        long[][] stacks = new long[SizeClasses.COUNT][TestCache.FIRST + 8];
        heap.bind(null, new TestCache(stacks));
        long[] stack = stacks[c];
        int n = heap.refill(c, 4, stack, TestCache.FIRST);
        assertEquals(4, n);
        stack[TestCache.COUNT] = n;
        Span span = engine.spanOf(stack[TestCache.FIRST]);
        for (int slot = TestCache.FIRST; slot < TestCache.FIRST + n; slot++) {
            assertEquals(Span.NOT_ALLOCATED, span.liveIndex(stack[slot]), "cached at slot " + slot);
        }
        long top = pop(stack);
        int index = span.liveIndex(top);
        assertTrue(index >= 0, "handed out: its slot no longer holds it");
        push(stack, top); // freed: back to the same slot
        span.placedAt(index, TestCache.FIRST + n - 1);
        assertEquals(Span.NOT_ALLOCATED, span.liveIndex(top), "a second free of a cached block");

        // four allocations, then 'top' freed again: it lands in the bottom slot, 'bottom' had
        long[] popped = {pop(stack), pop(stack), pop(stack), pop(stack)};
        assertEquals(top, popped[0]);
        push(stack, top);
        span.placedAt(top, TestCache.FIRST);
        for (int i = 1; i < popped.length; i++) {
            assertTrue(span.liveIndex(popped[i]) >= 0, "handed out: popped from slot " + (TestCache.FIRST + n - 1 - i));
        }
        assertEquals(Span.NOT_ALLOCATED, span.liveIndex(top), "found in the slot its state names");
        assertEquals(Span.NOT_ALLOCATED, span.liveIndex(span.base() + 64 * 20), "never taken from the span");
    }

    /** A thread cache's pop: it clears the slot (see {@code Span.isCached}). */
    private static long pop(long[] stack) {
        int n = (int) stack[TestCache.COUNT];
        long block = stack[TestCache.FIRST + n - 1];
        stack[TestCache.FIRST + n - 1] = 0;
        stack[TestCache.COUNT] = n - 1;
        return block;
    }

    private static void push(long[] stack, long block) {
        int n = (int) stack[TestCache.COUNT];
        stack[TestCache.FIRST + n] = block;
        stack[TestCache.COUNT] = n + 1;
    }

    @Test
    void shouldFindTheSpanOfEveryBlockItHandsOutWithoutAnyCheck() {
        LocalHeap heap = engine.newHeap();
        Span span = engine.acquireSpan(SizeClasses.classOf(48 * 1024), heap);
        for (int i = 0; i < span.blockCount(); i++) {
            assertSame(span, PageMap.spanOfCachedBlock(span.blockAddress(i)));
        }
        span.placedAt(1, TestCache.FIRST); // taken into a slot of a cache (this heap has none) and handed out
        span.recordAllocation(span.blockAddress(1), 7);
        assertTrue(span.isAllocated(span.blockAddress(1)));
        assertEquals(7, span.siteOf(span.blockAddress(1), true));
        engine.releaseSpan(span);
    }

    @Test
    void shouldMapEveryPageOfASpanAndNothingAfterRelease() {
        LocalHeap heap = engine.newHeap();
        Span span = engine.acquireSpan(SizeClasses.classOf(48 * 1024), heap);
        PageMap map = engine.pageMap();
        long bytes = (long) SizeClasses.spanPages(span.sizeClass()) << PageMap.PAGE_SHIFT;
        for (long offset = 0; offset < bytes; offset += 4096) {
            assertSame(span, map.spanOf(span.base() + offset));
        }
        engine.releaseSpan(span);
        assertTrue(map.spanOf(span.base()).isVacant(), "given back to its chunk: hakmem's, but no block");
        assertEquals(Span.INTERIOR, map.spanOf(span.base()).liveIndex(span.base()));
        assertNull(map.spanOf(-1L), "addresses beyond 48 bits are never ours");
        assertNull(map.spanOf(0));
    }
}
