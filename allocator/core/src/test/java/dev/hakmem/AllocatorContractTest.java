package dev.hakmem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocatorContractTest {
    private HakmemAllocator allocator;

    @BeforeEach
    void start() {
        allocator = HakmemAllocator.create(HakmemConfig.defaults());
    }

    @AfterEach
    void stop() {
        allocator.close();
    }

    private static MemorySegment at(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 15, 16, 17, 100, 1024, 1025, 4096, 57_344, 65_536, 1 << 20, (1 << 20) + 1, 5_000_000})
    void shouldHandOutAlignedWritableBlocksOfAtLeastTheRequestedSize(long size) {
        long address = allocator.allocate(size);
        assertNotEquals(0, address);
        assertEquals(0, address % 16, "16-byte alignment");
        assertTrue(allocator.usableSize(address) >= size);
        MemorySegment block = at(address, size);
        block.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        block.set(ValueLayout.JAVA_BYTE, size - 1, (byte) 2);
        assertTrue(allocator.owns(address));
        allocator.free(address);
    }

    @Test
    void shouldReturnZeroForSizeZeroAndIgnoreFreeOfZero() {
        assertEquals(0, allocator.allocate(0));
        allocator.free(0);
        assertTrue(allocator.tryFree(0));
    }

    @Test
    void shouldRejectNegativeSizesNamingTheSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> allocator.allocate(-5));
        assertTrue(e.getMessage().contains("-5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> allocator.reallocate(0, -1));
    }

    @Test
    void shouldRejectADoubleFreeNamingTheAddressAndStayUsable() {
        long address = allocator.allocate(64);
        allocator.free(address);
        InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> allocator.free(address));
        assertEquals(InvalidFreeException.Reason.NOT_ALLOCATED, e.reason());
        assertTrue(e.getMessage().contains(Long.toHexString(address)), e.getMessage());
        long again = allocator.allocate(64);
        allocator.free(again);
        assertEquals(allocator.stats().allocations(), allocator.stats().frees());
    }

    @Test
    void shouldRejectAnInteriorPointerAndKeepTheBlock() {
        long address = allocator.allocate(256);
        InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> allocator.free(address + 8));
        assertEquals(InvalidFreeException.Reason.INTERIOR, e.reason());
        assertEquals(256, allocator.usableSize(address), "the block is still live");
        allocator.free(address);
    }

    @Test
    void shouldRejectAForeignAddressButLetTryFreeSayItIsNotOurs() {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            long foreign = arena.allocate(64).address();
            InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> allocator.free(foreign));
            assertEquals(InvalidFreeException.Reason.FOREIGN, e.reason());
            assertFalse(allocator.tryFree(foreign));
            assertFalse(allocator.owns(foreign));
        }
    }

    @Test
    void tryFreeShouldCountADoubleFreeWithoutThrowing() {
        long address = allocator.allocate(32);
        assertTrue(allocator.tryFree(address));
        assertTrue(allocator.tryFree(address));
        assertEquals(1, allocator.stats().invalidFrees());
    }

    @Test
    void shouldKeepContentsWhenReallocatingAcrossClassesAndTiers() {
        long address = allocator.allocate(24);
        at(address, 24).fill((byte) 7);
        long sizes[] = {24, 200, 5000, 70_000, 3_000_000, 100, 0};
        long kept = 24;
        for (long size : sizes) {
            if (size == 0) {
                assertEquals(0, allocator.reallocate(address, 0));
                break;
            }
            address = allocator.reallocate(address, size);
            MemorySegment block = at(address, size);
            for (long i = 0; i < Math.min(kept, size); i++) {
                assertEquals(7, block.get(ValueLayout.JAVA_BYTE, i), "byte " + i + " after growing to " + size);
            }
            block.fill((byte) 7);
            kept = size;
        }
        HakmemStats stats = allocator.stats();
        assertEquals(0, stats.liveBlocks());
    }

    @Test
    void reallocateOfZeroShouldAllocate() {
        long address = allocator.reallocate(0, 100);
        assertTrue(allocator.usableSize(address) >= 100);
        allocator.free(address);
    }

    @Test
    void shouldZeroWhenAsked() {
        long dirty = allocator.allocate(4000);
        at(dirty, 4000).fill((byte) -1);
        allocator.free(dirty);
        long address = allocator.allocateZeroed(4000);
        assertEquals(dirty, address, "the same block comes back from the cache");
        MemorySegment block = at(address, 4000);
        for (long i = 0; i < 4000; i++) {
            assertEquals(0, block.get(ValueLayout.JAVA_BYTE, i));
        }
        allocator.free(address);
    }

    @Test
    void shouldRememberTheSiteOfABlock() {
        long address = allocator.allocate(48, 42);
        assertEquals(42, allocator.siteOf(address));
        allocator.free(address);
    }

    @Test
    void shouldKeepStatisticsBalanced() {
        long[] blocks = new long[1000];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = allocator.allocate(16 + i * 37L);
        }
        HakmemStats during = allocator.stats();
        assertEquals(1000, during.liveBlocks());
        assertEquals(during.bytesAllocated() - during.bytesFreed(), during.liveBytes());
        for (long b : blocks) {
            allocator.free(b);
        }
        HakmemStats after = allocator.stats();
        assertEquals(0, after.liveBlocks());
        assertEquals(0, after.liveBytes());
        assertEquals(after.allocations(), after.frees());
    }

    @Test
    void shouldThrowOutOfMemoryNamingTheLimitAndTheRequestThenRecover() {
        try (HakmemAllocator limited = HakmemAllocator.create(HakmemConfig.defaults().withLimit(1 << 20))) {
            long[] blocks = new long[100];
            int n = 0;
            OutOfMemoryError oom = null;
            try {
                while (n < blocks.length) {
                    blocks[n] = limited.allocate(60_000);
                    n++;
                }
            } catch (OutOfMemoryError e) {
                oom = e;
            }
            assertTrue(oom != null, "the limit must stop the allocations");
            assertTrue(oom.getMessage().contains("1048576"), oom.getMessage());
            assertTrue(oom.getMessage().contains("hakmem.limit"), oom.getMessage());
            assertTrue(n >= 14, "about 1 MiB of 64 KiB blocks fit; got " + n);
            OutOfMemoryError huge = assertThrows(OutOfMemoryError.class, () -> limited.allocate(2 << 20));
            assertTrue(huge.getMessage().contains("2097152"), huge.getMessage());
            for (int i = 0; i < n; i++) {
                limited.free(blocks[i]);
            }
            long again = limited.allocate(60_000);
            limited.free(again);
        }
    }

    @Test
    void shouldReleaseWithAStatusInsteadOfThrowing() {
        long block = allocator.allocate(100);
        long huge = allocator.allocate(3 << 20);
        assertEquals(HakmemAllocator.RELEASED, allocator.release(0));
        assertEquals(HakmemAllocator.NOT_A_LIVE_BLOCK, allocator.release(block + 8), "interior");
        assertEquals(HakmemAllocator.RELEASED, allocator.release(block));
        assertEquals(HakmemAllocator.NOT_A_LIVE_BLOCK, allocator.release(block), "double");
        assertEquals(HakmemAllocator.RELEASED, allocator.release(huge));
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            assertEquals(HakmemAllocator.FOREIGN, allocator.release(arena.allocate(64).address()));
        }
        assertEquals(0, allocator.stats().liveBlocks(), "nothing lost or counted twice");
        assertEquals(block, allocator.allocate(100), "the allocator goes on");
    }

    @Test
    void shouldRecogniseADoubleFreeOfAHugeBlockWhileItsMappingIsCached() {
        long huge = allocator.allocate(2 << 20, 9);
        allocator.free(huge);
        assertTrue(allocator.owns(huge), "the freed mapping is cached, and still hakmem's");
        InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> allocator.free(huge));
        assertTrue(e.getMessage().contains("site 9"), e.getMessage());
        assertEquals(HakmemAllocator.NOT_A_LIVE_BLOCK, allocator.release(huge));
        assertThrows(InvalidFreeException.class, () -> allocator.reallocate(huge, 100));
        long again = allocator.allocate(2 << 20);
        assertEquals(huge, again, "the cached mapping is reused");
        assertEquals(0, allocator.siteOf(again), "a reused block does not keep the old site");
        allocator.free(again);
        allocator.trim();
        if (allocator.stats().osRoute().equals("mmap")) {
            // its memory is gone, its addresses are kept (BadInputTest has the late double free)
            assertTrue(allocator.owns(huge), "after trim the mmap route keeps the addresses");
            assertEquals(HakmemAllocator.NOT_A_LIVE_BLOCK, allocator.release(huge));
        } else {
            assertFalse(allocator.owns(huge), "after trim the mapping is gone, and the address foreign");
            assertEquals(HakmemAllocator.FOREIGN, allocator.release(huge));
        }
    }
}
