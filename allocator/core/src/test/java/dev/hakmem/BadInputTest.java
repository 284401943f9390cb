package dev.hakmem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.LongConsumer;

import static dev.hakmem.TestMemory.fill;
import static dev.hakmem.TestMemory.firstMismatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Garbage in: absurd sizes and addresses that are not live blocks. Each must fail with an error that
 * names what was wrong, change nothing, and leave the allocator usable with balanced statistics.
 * (Negative sizes, double frees, interior small-block pointers and arena addresses are in
 * {@link AllocatorContractTest}.)
 */
class BadInputTest {
    private static final long HUGE = 3L << 20;

    private HakmemAllocator allocator;

    @BeforeEach
    void start() {
        allocator = HakmemAllocator.create(HakmemConfig.defaults());
    }

    @AfterEach
    void stop() {
        allocator.close();
    }

    /** A small and a huge block still come and go, and every counter balances. */
    private static void assertStillUsableAndBalanced(HakmemAllocator a) {
        long small = a.allocate(100);
        long huge = a.allocate(HUGE);
        fill(small, 100, (byte) 5);
        fill(huge, HUGE, (byte) 6);
        assertEquals(-1, firstMismatch(small, 100, (byte) 5));
        a.free(small);
        a.free(huge);
        HakmemStats s = a.stats();
        assertEquals(s.allocations() - s.frees(), s.liveBlocks());
        assertEquals(s.bytesAllocated() - s.bytesFreed(), s.liveBytes());
        assertEquals(0, s.liveBlocks(), s.toString());
        assertEquals(0, s.liveBytes(), s.toString());
        assertEquals(0, s.hugeBlocks(), s.toString());
    }

    /** Past the address space; rounding to pages overflows; over-mapping by the alignment overflows. */
    private static final long[] IMPOSSIBLE_SIZES = {Long.MAX_VALUE, Long.MAX_VALUE - (1L << 17), 1L << 60, 1L << 50,
            (1L << 40) + 1}; // the last: just above the largest block hakmem makes

    @ParameterizedTest
    @EnumSource(value = HakmemConfig.OsRoute.class, names = {"MMAP", "SHM"})
    void shouldThrowOutOfMemoryForAnImpossibleSizeAndStayUsable(HakmemConfig.OsRoute route) {
        try (HakmemAllocator a = HakmemAllocator.create(HakmemConfig.defaults().withOsRoute(route))) {
            long keep = a.allocate(64);
            HakmemStats before = a.stats();
            for (long size : IMPOSSIBLE_SIZES) {
                for (LongConsumer call : new LongConsumer[] {a::allocate, a::allocateZeroed, s -> a.allocate(s, 7)}) {
                    Throwable t = assertThrows(Throwable.class, () -> call.accept(size), "size " + size);
                    assertTrue(t instanceof OutOfMemoryError, route + ", size " + size + ": expected an OutOfMemoryError, got " + t);
                }
            }
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> a.allocate(Long.MAX_VALUE));
            assertTrue(e.getMessage().contains(Long.toString(Long.MAX_VALUE)), e.getMessage());
            HakmemStats after = a.stats();
            assertEquals(before.bytesReserved(), after.bytesReserved(), "a failed request reserves nothing");
            assertEquals(before.mappedBytes(), after.mappedBytes(), "a failed request maps nothing");
            assertEquals(before.allocations(), after.allocations());
            assertEquals(1, after.liveBlocks());
            a.free(keep);
            assertStillUsableAndBalanced(a);
        }
    }

    @ParameterizedTest
    @EnumSource(value = HakmemConfig.OsRoute.class, names = {"MMAP", "SHM"})
    void shouldNameTheRequestedSizeWhenTheOsRefusesAHugeMapping(HakmemConfig.OsRoute route) {
        try (HakmemAllocator a = HakmemAllocator.create(HakmemConfig.defaults().withOsRoute(route))) {
            for (long size : IMPOSSIBLE_SIZES) {
                OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> a.allocate(size));
                assertTrue(e.getMessage().contains(Long.toString(size)),
                        route + ": the message should name the requested size " + size + ": " + e.getMessage());
            }
        }
    }

    /**
     * On the mmap route a freed huge block keeps its addresses after the huge cache lets it go: a
     * late double free is still hakmem's to report, never another allocator's free().
     */
    @Test
    void shouldReportALateDoubleFreeOfAHugeBlockTheCacheHasLetGo() {
        try (HakmemAllocator a = HakmemAllocator.create(HakmemConfig.defaults().withOsRoute(HakmemConfig.OsRoute.MMAP))) {
            long first = a.allocate(HUGE);
            fill(first, HUGE, (byte) 3);
            a.free(first);
            for (int i = 0; i < 6; i++) { // more than the cache's 4 entries, each a size the others cannot reuse
                a.free(a.allocate(HUGE + ((i + 1L) << 21)));
            }
            long mappedAfterEviction = a.stats().mappedBytes();
            assertTrue(a.owns(first), "an evicted huge block's addresses are still hakmem's");
            InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> a.free(first));
            assertEquals(InvalidFreeException.Reason.NOT_ALLOCATED, e.reason());
            assertEquals(HakmemAllocator.NOT_A_LIVE_BLOCK, a.release(first));
            long again = a.allocate(HUGE);
            assertEquals(first, again, "a fitting request takes the retained range back");
            assertEquals(-1, firstMismatch(again, HUGE, (byte) 0), "a retained range comes back zeroed");
            assertEquals(mappedAfterEviction + HUGE, a.stats().mappedBytes() , "retained ranges count as unmapped");
            a.free(again);
            assertStillUsableAndBalanced(a);
        }
    }

    /**
     * 1,365 blocks of 48 B fill 65,520 bytes of a 64 KiB span; the 16 bytes after them are no block,
     * although their offset is a multiple of the block size.
     */
    /**
     * A block's span goes back to its chunk when its last block is freed; a second free then finds
     * no span there, and must still be hakmem's to refuse: the agent passes what hakmem calls foreign
     * to the JDK's free(), which would take down the process.
     */
    @Test
    void shouldRefuseALateDoubleFreeOfASmallBlockWhoseSpanWasGivenBack() throws Exception {
        long block = allocateOnAThreadThatEnds(allocator, 3000);
        allocator.free(block); // the last block of a dead thread's span: the span goes back to its chunk
        assertTrue(allocator.owns(block), "still hakmem's memory");
        InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> allocator.free(block));
        assertEquals(InvalidFreeException.Reason.NOT_ALLOCATED, e.reason());
        assertTrue(e.getMessage().contains(Long.toHexString(block)), e.getMessage());
        assertTrue(allocator.tryFree(block), "hakmem's: never to be passed on to another free()");
        assertEquals(1, allocator.stats().invalidFrees());
        assertEquals(0, allocator.stats().spans(), "the span really was given back");
        assertStillUsableAndBalanced(allocator);
    }

    /**
     * On the mmap route an empty chunk's memory goes back to the OS but its addresses stay hakmem's:
     * a late double free of a block that lived there is still reported, and the next chunk of that
     * size takes the range back.
     */
    @Test
    void shouldRefuseALateDoubleFreeInAChunkGivenBackToTheOs() throws Exception {
        try (HakmemAllocator a = HakmemAllocator.create(HakmemConfig.defaults().withOsRoute(HakmemConfig.OsRoute.MMAP))) {
            long block = allocateOnAThreadThatEnds(a, 3000);
            a.free(block);
            a.trim(); // the dead thread's span goes back to its chunk, the empty chunk to the OS
            assertEquals(0, a.stats().mappedBytes(), a.stats().toString());
            assertTrue(a.owns(block), "a given-back chunk's addresses are still hakmem's");
            InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> a.free(block));
            assertEquals(InvalidFreeException.Reason.NOT_ALLOCATED, e.reason());
            long again = a.allocate(3000);
            assertEquals(block & -(1L << 16), again & -(1L << 16), "the range is taken back (same 64 KiB page)");
            assertEquals(-1, firstMismatch(again, 3000, (byte) 0), "a retained range comes back zeroed");
            a.free(again);
            assertStillUsableAndBalanced(a);
        }
    }

    /** A block whose owner's cache is retired once the thread has ended: its span is orphaned. */
    private static long allocateOnAThreadThatEnds(HakmemAllocator a, long size) throws InterruptedException {
        long[] block = new long[1];
        Thread owner = new Thread(() -> block[0] = a.allocate(size));
        owner.start();
        owner.join();
        return block[0];
    }

    @Test
    void shouldRejectAFreeInTheTailOfASpanThatNoBlockFills() {
        long block = allocator.allocate(48);
        long tail = (block & -65536L) + 1365 * 48;
        InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> allocator.free(tail));
        assertEquals(InvalidFreeException.Reason.INTERIOR, e.reason());
        assertTrue(e.getMessage().contains(Long.toHexString(tail)), e.getMessage());
        assertEquals(HakmemAllocator.NOT_A_LIVE_BLOCK, allocator.release(tail));
        allocator.free(block);
        assertStillUsableAndBalanced(allocator);
    }

    /**
     * Every instance's spans live in one process-wide page map; a block of another instance is still
     * foreign to this one: a free names it and changes nothing, and its owner frees it as usual.
     */
    @Test
    void shouldTreatABlockOfAnotherInstanceAsForeign() {
        try (HakmemAllocator other = HakmemAllocator.create(HakmemConfig.defaults())) {
            long theirs = other.allocate(64);
            long theirsHuge = other.allocate(HUGE);
            for (long address : new long[] {theirs, theirsHuge}) {
                assertFalse(allocator.owns(address));
                assertEquals(0, allocator.siteOf(address));
                assertEquals(HakmemAllocator.FOREIGN, allocator.release(address));
                assertFalse(allocator.tryFree(address));
                InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> allocator.free(address));
                assertEquals(InvalidFreeException.Reason.FOREIGN, e.reason());
                assertTrue(e.getMessage().contains(Long.toHexString(address)), e.getMessage());
            }
            other.free(theirs);
            other.free(theirsHuge);
            assertEquals(0, other.stats().liveBlocks());
        }
        assertStillUsableAndBalanced(allocator);
    }

    @Test
    void shouldKeepTheOldBlockWhenReallocateCannotGrowIt() {
        long address = allocator.allocate(5000);
        fill(address, 5000, (byte) 42);
        assertThrows(OutOfMemoryError.class, () -> allocator.reallocate(address, Long.MAX_VALUE));
        assertEquals(-1, firstMismatch(address, 5000, (byte) 42), "contents survive a failed reallocate");
        assertTrue(allocator.usableSize(address) >= 5000, "the block is still live");
        allocator.free(address);
        assertStillUsableAndBalanced(allocator);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, -1, 8, 4096, Long.MIN_VALUE, Long.MAX_VALUE, 0x0000_7fff_ffff_f000L, 1L << 48})
    void shouldRejectAddressesThatWereNeverHakmemsNamingTheAddress(long address) {
        InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> allocator.free(address));
        assertEquals(InvalidFreeException.Reason.FOREIGN, e.reason());
        assertEquals(address, e.address());
        assertTrue(e.getMessage().contains(Long.toHexString(address)), e.getMessage());
        assertFalse(allocator.tryFree(address), "tryFree says it is not ours");
        assertFalse(allocator.owns(address));
        assertEquals(0, allocator.siteOf(address));
        InvalidFreeException u = assertThrows(InvalidFreeException.class, () -> allocator.usableSize(address));
        assertTrue(u.getMessage().contains(Long.toHexString(address)), u.getMessage());
        InvalidFreeException r = assertThrows(InvalidFreeException.class, () -> allocator.reallocate(address, 64));
        assertTrue(r.getMessage().contains(Long.toHexString(address)), r.getMessage());
        assertEquals(0, allocator.stats().invalidFrees(), "a foreign address is not counted as an invalid free");
        assertStillUsableAndBalanced(allocator);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 8, 16, 4096, 65_536, (1L << 20) + 16, HUGE - 16})
    void shouldRejectAPointerInsideAHugeBlockAndKeepTheBlock(long offset) {
        long huge = allocator.allocate(HUGE);
        fill(huge, HUGE, (byte) 9);
        long inside = huge + offset;
        assertTrue(allocator.owns(inside));
        InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> allocator.free(inside));
        assertEquals(InvalidFreeException.Reason.INTERIOR, e.reason());
        assertTrue(e.getMessage().contains(Long.toHexString(inside)), e.getMessage());
        assertThrows(InvalidFreeException.class, () -> allocator.usableSize(inside));
        assertThrows(InvalidFreeException.class, () -> allocator.reallocate(inside, 10));
        assertTrue(allocator.tryFree(inside), "it lies in hakmem's memory");
        assertEquals(1, allocator.stats().invalidFrees());
        assertEquals(1, allocator.stats().hugeBlocks(), "the huge block is still live");
        assertEquals(-1, firstMismatch(huge, HUGE, (byte) 9), "and untouched");
        allocator.free(huge);
        assertStillUsableAndBalanced(allocator);
    }

    @ParameterizedTest
    @ValueSource(longs = {24, 700, 5000, 70_000, 1 << 20, HUGE})
    void shouldRejectReallocateAndUsableSizeOfAFreedBlock(long size) {
        long keep = allocator.allocate(size); // keeps a small block's span alive after the free below
        long address = allocator.allocate(size);
        allocator.free(address);
        InvalidFreeException r = assertThrows(InvalidFreeException.class, () -> allocator.reallocate(address, size * 2));
        assertTrue(r.getMessage().contains(Long.toHexString(address)), r.getMessage());
        InvalidFreeException u = assertThrows(InvalidFreeException.class, () -> allocator.usableSize(address));
        assertTrue(u.getMessage().contains(Long.toHexString(address)), u.getMessage());
        InvalidFreeException f = assertThrows(InvalidFreeException.class, () -> allocator.free(address));
        if (size <= 1 << 20) {
            assertEquals(InvalidFreeException.Reason.NOT_ALLOCATED, f.reason());
        }
        HakmemStats s = allocator.stats();
        assertEquals(1, s.liveBlocks(), s.toString());
        assertEquals(allocator.usableSize(keep), s.liveBytes(), s.toString());
        allocator.free(keep);
        assertStillUsableAndBalanced(allocator);
    }

    @Test
    void shouldRejectAReallocateOfAnInteriorPointerAndKeepTheBlock() {
        long address = allocator.allocate(512);
        fill(address, 512, (byte) 3);
        InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> allocator.reallocate(address + 16, 2000));
        assertEquals(InvalidFreeException.Reason.INTERIOR, e.reason());
        assertEquals(-1, firstMismatch(address, 512, (byte) 3));
        assertEquals(512, allocator.usableSize(address));
        allocator.free(address);
        assertStillUsableAndBalanced(allocator);
    }

    @Test
    void shouldCountInvalidTryFreesAndChangeNothing() {
        long small = allocator.allocate(48);
        long huge = allocator.allocate(HUGE);
        allocator.free(small);
        assertTrue(allocator.tryFree(small), "double free: hakmem's memory, counted");
        assertTrue(allocator.tryFree(huge + 64), "interior of a huge block: counted");
        assertFalse(allocator.tryFree(-1));
        assertFalse(allocator.tryFree(1));
        HakmemStats s = allocator.stats();
        assertEquals(2, s.invalidFrees());
        assertEquals(1, s.liveBlocks());
        allocator.free(huge);
        assertStillUsableAndBalanced(allocator);
    }
}
