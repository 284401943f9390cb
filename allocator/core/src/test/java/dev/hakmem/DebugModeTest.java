package dev.hakmem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.hakmem.TestMemory.fill;
import static dev.hakmem.TestMemory.firstMismatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debug mode ({@code hakmem.debug=true}): a planted write after free is found when the block is
 * handed out again, a planted overflow when the block is freed, each reported once per allocating
 * site with both sites; correct use finds nothing, in every tier and across span reuse.
 */
class DebugModeTest {
    private HakmemAllocator a;

    @BeforeEach
    void start() {
        a = HakmemAllocator.create(HakmemConfig.defaults().withDebug(true));
    }

    @AfterEach
    void stop() {
        a.close();
    }

    private static void poke(long address, long offset) {
        TestMemory.at(address + offset, 1).fill((byte) 0x11);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 64, 1000, 5000, 100_000, 1L << 20, 3L << 20})
    void shouldFindAWriteAfterFreeWhenTheBlockIsHandedOutAgain(long size) {
        long offset = Math.min(size / 2, 60_000); // within the poisoned start of a huge block
        long block = a.allocate(size, 7);
        a.free(block, 9);
        poke(block, offset);
        long again = a.allocate(size, 8);
        assertEquals(block, again, "the block freed last comes back first");
        List<DebugFinding> found = a.debugFindings();
        assertEquals(List.of(new DebugFinding(DebugFinding.Kind.USE_AFTER_FREE, block, size, offset, 7, 9, 1)), found);
        a.free(again);
        assertEquals(1, a.debugFindings().size(), "the block was poisoned again at its free: nothing new");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 64, 72, 1000, 4096, 100_000, (1L << 20) - 8, 3L << 20})
    void shouldFindAnOverflowWhenTheBlockIsFreed(long size) {
        long block = a.allocate(size, 5);
        fill(block, size, (byte) 1); // the whole of it is the user's: no finding
        poke(block, size);
        a.free(block, 6);
        assertEquals(List.of(new DebugFinding(DebugFinding.Kind.OVERFLOW, block, size, size, 5, 6, 1)), a.debugFindings());
        HakmemStats s = a.stats();
        assertEquals(0, s.liveBlocks(), "the free went through: " + s);
    }

    /** A huge block is poisoned only at its start, so that its free costs what a small block's does. */
    @Test
    void shouldNotSeeAWriteAfterFreeBeyondTheFirst64KiBOfAHugeBlock() {
        long size = 3L << 20;
        long block = a.allocate(size);
        a.free(block);
        poke(block, 64 * 1024);
        a.free(a.allocate(size));
        assertEquals(List.of(), a.debugFindings());
    }

    @Test
    void shouldFindAnOverflowSeveralBytesPastTheEnd() {
        long block = a.allocate(40, 5);
        poke(block, 45);
        a.free(block);
        DebugFinding f = a.debugFindings().getFirst();
        assertEquals(45, f.offset());
        assertEquals(0, f.freeSite(), "free(address) names no site");
    }

    @Test
    void shouldReportEachSiteOnceAndCountItsBlocks() {
        for (int i = 0; i < 100; i++) {
            long block = a.allocate(24, 3);
            poke(block, 24);
            a.free(block, 4);
        }
        long other = a.allocate(24, 12);
        poke(other, 30);
        a.free(other);
        List<DebugFinding> found = a.debugFindings();
        assertEquals(2, found.size(), found.toString());
        assertEquals(3, found.get(0).allocationSite());
        assertEquals(100, found.get(0).occurrences());
        assertEquals(12, found.get(1).allocationSite());
        assertEquals(1, found.get(1).occurrences());
        assertTrue(found.get(0).toString().contains("overflow") && found.get(0).toString().contains("site 3"), found.get(0).toString());
    }

    @Test
    void shouldGiveTheRequestedSizeAsUsableAndZeroIt() {
        long block = a.allocateZeroed(50, 1);
        assertEquals(50, a.usableSize(block));
        assertEquals(-1, firstMismatch(block, 50, (byte) 0));
        a.free(block);
        assertEquals(List.of(), a.debugFindings(), "zeroing stops at the requested size: the canary is intact");
    }

    @Test
    void shouldMoveOnReallocateKeepingTheBytesAndCheckingBothBlocks() {
        long block = a.allocate(100, 2);
        fill(block, 100, (byte) 9);
        long grown = a.reallocate(block, 300);
        assertEquals(-1, firstMismatch(grown, 100, (byte) 9));
        assertEquals(300, a.usableSize(grown));
        assertEquals(2, a.siteOf(grown), "the site moves with the block");
        poke(grown, 300);
        long shrunk = a.reallocate(grown, 10);
        assertEquals(-1, firstMismatch(shrunk, 10, (byte) 9));
        assertEquals(DebugFinding.Kind.OVERFLOW, a.debugFindings().getFirst().kind(), "the old block's overflow is found as it is freed");
        a.free(shrunk);
    }

    @Test
    void shouldStillRefuseADoubleFreeAndNotPoisonALiveBlock() {
        long block = a.allocate(64);
        long neighbour = a.allocate(64);
        fill(neighbour, 64, (byte) 3);
        a.free(block);
        assertEquals(InvalidFreeException.Reason.NOT_ALLOCATED,
                assertThrows(InvalidFreeException.class, () -> a.free(block)).reason());
        assertEquals(InvalidFreeException.Reason.INTERIOR,
                assertThrows(InvalidFreeException.class, () -> a.free(neighbour + 8)).reason());
        assertEquals(-1, firstMismatch(neighbour, 64, (byte) 3), "a refused free writes nothing");
        assertEquals(block, a.allocate(64));
        assertEquals(List.of(), a.debugFindings());
        assertEquals(HakmemAllocator.NOT_A_LIVE_BLOCK, a.release(neighbour + 8, 4));
        a.free(neighbour);
        a.free(block);
    }

    /** Correct use in every tier, with blocks of one class reused by another (spans freed and carved again): no finding. */
    @Test
    void shouldFindNothingWhenBlocksAreUsedCorrectly() {
        SplittableRandom random = new SplittableRandom(42);
        List<long[]> live = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < 3_000; i++) {
                long size = switch (random.nextInt(10)) {
                    case 0 -> random.nextLong(1025, 60_000);
                    case 1 -> random.nextLong(60_000, 1 << 20);
                    case 2 -> random.nextInt(200) == 0 ? random.nextLong(1 << 20, 4 << 20) : 64;
                    default -> random.nextLong(1, 1025);
                };
                long block = random.nextBoolean() ? a.allocate(size, 1 + (int) (size % 5)) : a.allocateZeroed(size);
                fill(block, size, (byte) round);
                live.add(new long[] {block, size});
                if (random.nextInt(3) == 0) {
                    long[] gone = live.remove(random.nextInt(live.size()));
                    a.free(gone[0], 99);
                }
            }
            for (long[] block : live) {
                a.free(block[0]);
            }
            live.clear();
            a.releaseThreadCache(); // spans back to their chunks: the next round carves them for other classes
            a.trim();
        }
        assertEquals(List.of(), a.debugFindings());
        assertEquals(0, a.stats().liveBlocks());
    }

    @Test
    void shouldFindNothingAndKeepNoCanaryWithDebugOff() {
        try (HakmemAllocator plain = HakmemAllocator.create(HakmemConfig.defaults())) {
            long block = plain.allocate(64);
            assertEquals(64, plain.usableSize(block), "no bytes asked for beyond the request");
            poke(block, 10);
            plain.free(block, 3);
            poke(block, 20);
            plain.free(plain.allocate(64));
            assertEquals(List.of(), plain.debugFindings());
        }
    }
}
