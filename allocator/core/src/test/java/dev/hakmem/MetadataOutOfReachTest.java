package dev.hakmem;

import dev.hakmem.refill.Span;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * hakmem keeps every piece of its metadata on the Java heap: spans, free bits, block states and
 * sites, cache stacks, the page map, the remote-free inbox and the stack of batches behind it
 * (nodes of addresses, not links in the blocks). So a program that writes just before or after
 * its blocks, or all over blocks it has freed (those waiting in another thread's remote-free
 * queues included), corrupts its own data and nothing of the allocator's. This test does exactly
 * that, in every tier, always inside memory hakmem has mapped (a block's span, or a freed block
 * whose chunk or cached mapping is still there), and then checks every invariant it can.
 */
class MetadataOutOfReachTest {
    private static final byte SCRIBBLE = (byte) 0xEE;
    /** Sizes of every tier, and how many blocks of each: tiny, mid, large, huge. */
    private static final long[] SIZES = {16, 48, 64, 200, 1000, 1500, 4096, 20_000, 50_000, 70_000, 300_000, 1_000_000,
            1_500_000, 3_000_000};
    private static final int[] COUNTS = {600, 600, 600, 600, 600, 60, 60, 60, 60, 6, 6, 6, 2, 2};

    private record Block(long size, long usable, int site) {
    }

    @Test
    void shouldKeepEveryInvariantWhenTheBytesAroundLiveBlocksAndInsideFreedBlocksAreOverwritten() throws Exception {
        // no chunk goes back to the OS while the test writes into freed memory; the 2 x 2 freed huge
        // mappings stay in the huge cache (4 entries, 64 MiB), mapped
        Properties p = new Properties();
        p.setProperty("hakmem.chunk.decayMillis", "3600000");
        p.setProperty("hakmem.dirty.decayMillis", "3600000"); // nor a freed page's memory
        try (DefaultAllocator a = (DefaultAllocator) HakmemAllocator.create(HakmemConfig.from(p, Map.of()))) {
            TreeMap<Long, Block> live = new TreeMap<>();
            List<Long> byAnotherThread = new ArrayList<>();
            TreeMap<Long, Block> freed = new TreeMap<>();
            for (int s = 0; s < SIZES.length; s++) {
                for (int i = 0; i < COUNTS[s]; i++) {
                    long address = a.allocate(SIZES[s], s + 1);
                    put(live, address, new Block(SIZES[s], a.usableSize(address), s + 1));
                    freed.remove(address); // the block freed just before may come straight back
                    if (i % 2 == 1) {
                        if (SIZES[s] <= 50_000) {
                            byAnotherThread.add(address); // over 1,024 of them: past the inbox, onto the stack of batches
                        } else {
                            freed.put(address, live.remove(address));
                            a.free(address);
                        }
                    }
                }
            }
            Thread freer = Thread.ofPlatform().start(() -> {
                for (long address : byAnotherThread) {
                    a.free(address);
                }
                a.releaseThreadCache(); // hands its last batch over
            });
            freer.join();
            for (long address : byAnotherThread) {
                freed.put(address, live.remove(address));
            }

            for (Map.Entry<Long, Block> e : live.entrySet()) {
                scribbleAround(a, e.getKey(), e.getValue());
            }
            for (Map.Entry<Long, Block> e : freed.entrySet()) {
                TestMemory.fill(e.getKey(), e.getValue().usable(), SCRIBBLE); // still mapped: see the configuration
            }

            assertSound(a, live);

            // a second wave reuses freed blocks, the scribbled ones from the remote-free queues among them
            for (int s = 0; s < SIZES.length; s++) {
                for (int i = 0; i < COUNTS[s] / 2; i++) {
                    long address = a.allocate(SIZES[s], 100 + s);
                    put(live, address, new Block(SIZES[s], a.usableSize(address), 100 + s));
                    TestMemory.fill(address, SIZES[s], (byte) s);
                    freed.remove(address);
                }
            }
            assertSound(a, live);

            for (Map.Entry<Long, Block> f : freed.entrySet()) {
                long address = f.getKey();
                InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> a.free(address),
                        () -> "a second free of a freed block, 0x" + Long.toHexString(address) + " " + f.getValue() + " in " + a.spanOf(address));
                assertEquals(InvalidFreeException.Reason.NOT_ALLOCATED, e.reason(), e.getMessage());
            }
            for (long address : live.keySet()) {
                a.free(address);
            }
            for (long address : live.keySet()) {
                InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> a.free(address), "a double free is still found");
                assertEquals(InvalidFreeException.Reason.NOT_ALLOCATED, e.reason(), e.getMessage());
            }
            live.clear();
            assertSound(a, live);
        }
    }

    /** Inserts a block into the model, asserting it overlaps no live block. */
    private static void put(TreeMap<Long, Block> model, long address, Block block) {
        Map.Entry<Long, Block> below = model.floorEntry(address);
        Map.Entry<Long, Block> above = model.ceilingEntry(address);
        assertTrue(below == null || below.getKey() + below.getValue().usable() <= address,
                () -> "0x" + Long.toHexString(address) + " overlaps the live block at 0x" + Long.toHexString(below.getKey()));
        assertTrue(above == null || address + block.usable() <= above.getKey(),
                () -> "0x" + Long.toHexString(address) + " overlaps the live block at 0x" + Long.toHexString(above.getKey()));
        model.put(address, block);
    }

    /** Eight bytes before the block and eight after its requested end, as far as its span reaches. */
    private static void scribbleAround(DefaultAllocator a, long address, Block block) {
        Span span = a.spanOf(address);
        assertNotNull(span);
        long low = span.base();
        long high = span.base() + span.bytes();
        long from = Math.max(low, address - 8);
        if (from < address) {
            TestMemory.fill(from, address - from, SCRIBBLE);
        }
        long end = address + block.size();
        long to = Math.min(high, end + 8);
        if (end < to) {
            TestMemory.fill(end, to - end, SCRIBBLE);
        }
    }

    private static void assertSound(DefaultAllocator a, TreeMap<Long, Block> live) {
        assertEquals(List.of(), a.checkInvariants());
        long bytes = 0;
        for (Map.Entry<Long, Block> e : live.entrySet()) {
            long address = e.getKey();
            Block block = e.getValue();
            assertTrue(a.owns(address));
            assertEquals(block.usable(), a.usableSize(address), "usable size of 0x" + Long.toHexString(address));
            assertEquals(block.site(), a.siteOf(address), "site of 0x" + Long.toHexString(address));
            bytes += block.usable();
        }
        HakmemStats s = a.stats();
        assertEquals(live.size(), s.liveBlocks(), s.toString());
        assertEquals(s.allocations() - s.frees(), s.liveBlocks(), s.toString());
        assertEquals(bytes, s.liveBytes(), s.toString());
    }
}
