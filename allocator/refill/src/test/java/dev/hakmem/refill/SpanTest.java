package dev.hakmem.refill;

import dev.hakmem.ace.spi.EventRing;
import dev.hakmem.ace.spi.PolicySource;
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
                assertEquals(Span.INTERIOR, span.blockIndex(start + 8));
                assertEquals(Span.INTERIOR, span.blockIndex(start + size - 8));
            }
            engine.releaseSpan(span);
        }
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
    void shouldFindTheSpanOfEveryBlockItHandsOutWithoutAnyCheck() {
        LocalHeap heap = engine.newHeap();
        Span span = engine.acquireSpan(SizeClasses.classOf(48 * 1024), heap);
        for (int i = 0; i < span.blockCount(); i++) {
            assertSame(span, PageMap.spanOfCachedBlock(span.blockAddress(i)));
        }
        span.recordAllocation(span.blockAddress(1), 7, true);
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
        assertNull(map.spanOf(span.base()));
        assertNull(map.spanOf(-1L), "addresses beyond 48 bits are never ours");
        assertNull(map.spanOf(0));
    }
}
