package dev.hakmem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SiteUsageTest {
    private HakmemAllocator allocator;

    @BeforeEach
    void start() {
        allocator = HakmemAllocator.create(HakmemConfig.defaults());
    }

    @AfterEach
    void stop() {
        allocator.close();
    }

    private Map<Integer, SiteUsage> usage() {
        return allocator.siteUsage().stream().collect(Collectors.toMap(SiteUsage::siteId, Function.identity()));
    }

    @Test
    void shouldCountAllocationsAndFreesPerSiteInUsableBytes() {
        List<Long> site1 = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            site1.add(allocator.allocate(100, 1));
        }
        long huge = allocator.allocate(3 << 20, 2);
        long zeroed = allocator.allocateZeroed(64, 3);
        for (int i = 0; i < 4; i++) {
            allocator.free(site1.get(i));
        }
        allocator.free(zeroed);

        Map<Integer, SiteUsage> usage = usage();
        long block = allocator.usableSize(site1.get(9));
        assertEquals(new SiteUsage(1, 10, 4, 10 * block, 4 * block), usage.get(1));
        assertEquals(1, usage.get(2).liveBlocks());
        assertEquals(allocator.usableSize(huge), usage.get(2).liveBytes());
        assertEquals(0, usage.get(3).liveBlocks());
        assertEquals(1, usage.get(3).frees());
    }

    @Test
    void shouldNotChargeASiteForABlockReusedWithoutASite() {
        long withSite = allocator.allocate(48, 7);
        allocator.free(withSite);
        long reused = allocator.allocate(48);
        assertEquals(withSite, reused, "LIFO cache hands the same block back");
        assertEquals(0, allocator.siteOf(reused));
        allocator.free(reused);
        assertEquals(new SiteUsage(7, 1, 1, 48, 48), usage().get(7));
    }

    @Test
    void shouldNameTheAllocatingSiteOfABlockFreedTwice() {
        long address = allocator.allocate(200, 42);
        allocator.free(address);
        InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> allocator.free(address));
        assertEquals(42, allocator.siteOf(address));
        assertEquals(true, e.getMessage().contains("site 42"), e.getMessage());
        assertEquals(1, usage().get(42).frees(), "the refused free is not counted");
    }

    @Test
    void shouldSumFreesDoneByOtherThreadsAndByThreadsThatDied() throws Exception {
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            blocks.add(allocator.allocate(32 + i % 500, 5));
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            pool.submit(() -> blocks.subList(0, 500).forEach(allocator::free)).get();
        }
        Thread virtual = Thread.ofVirtual().start(() -> blocks.subList(500, 1000).forEach(allocator::free));
        virtual.join();
        SiteUsage site = usage().get(5);
        assertEquals(1000, site.allocations());
        assertEquals(1000, site.frees());
        assertEquals(0, site.liveBytes());
        assertNull(usage().get(6));
    }

    /**
     * What a site holds is counted from its blocks, not from counters: after random allocations,
     * frees and reallocations of tiny to huge sizes on three threads (one of which dies holding
     * blocks), each site's live blocks and bytes are the sum over the blocks the test still holds.
     */
    @Test
    void shouldCountWhatEachSiteHoldsFromTheBlocksItHolds() throws Exception {
        Map<Long, Integer> live = new HashMap<>(); // address -> site
        long[] allocations = new long[6];
        SplittableRandom random = new SplittableRandom(0x517E);
        Runnable work = () -> {
            for (int i = 0; i < 3000; i++) {
                long address;
                synchronized (live) {
                    int op = random.nextInt(10);
                    if (op < 5 || live.isEmpty()) {
                        int site = 1 + random.nextInt(5);
                        long size = random.nextInt(50) == 0 ? (1L << 20) + random.nextInt(1 << 21) : 1 + random.nextInt(70_000);
                        address = allocator.allocate(size, site);
                        live.put(address, site);
                        allocations[site]++;
                    } else {
                        long victim = live.keySet().stream().skip(random.nextInt(live.size())).findFirst().orElseThrow();
                        int site = live.remove(victim);
                        if (op < 8) {
                            allocator.free(victim);
                        } else {
                            long moved = allocator.reallocate(victim, 1 + random.nextInt(70_000));
                            live.put(moved, site);
                            if (moved != victim) {
                                allocations[site]++;
                            }
                        }
                    }
                }
            }
        };
        Thread dies = Thread.ofPlatform().start(work);
        dies.join();
        Thread other = Thread.ofPlatform().start(work);
        work.run();
        other.join();

        Map<Integer, SiteUsage> usage = usage();
        for (int site = 1; site <= 5; site++) {
            long blocks = 0;
            long bytes = 0;
            for (Map.Entry<Long, Integer> e : live.entrySet()) {
                if (e.getValue() == site) {
                    blocks++;
                    bytes += allocator.usableSize(e.getKey());
                }
            }
            SiteUsage u = usage.get(site);
            assertEquals(allocations[site], u.allocations(), "site " + site);
            assertEquals(blocks, u.liveBlocks(), "site " + site);
            assertEquals(bytes, u.liveBytes(), "site " + site);
        }
        live.keySet().forEach(allocator::free);
        for (SiteUsage u : allocator.siteUsage()) {
            assertEquals(0, u.liveBlocks(), u.toString());
            assertEquals(u.bytesAllocated(), u.bytesFreed(), u.toString());
        }
    }

    /**
     * {@code siteUsage()} reads the blocks' site entries while other threads allocate and free: the
     * figures may be a moment old, but never negative or above what was allocated, and exact once
     * the threads are done.
     */
    @Test
    void shouldCountSitesWhileOtherThreadsAllocateAndFree() throws Exception {
        int threads = 2;
        int opsPerThread = 200_000;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            workers.add(Thread.ofPlatform().start(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                long[] held = new long[256];
                for (int i = 0; i < opsPerThread; i++) {
                    int slot = random.nextInt(held.length);
                    if (held[slot] != 0) {
                        allocator.free(held[slot]);
                    }
                    held[slot] = allocator.allocate(1 + random.nextInt(random.nextInt(100) == 0 ? 300_000 : 2_000), 1 + slot % 3);
                }
                for (long address : held) {
                    allocator.free(address);
                }
            }));
        }
        int samples = 0;
        while (workers.stream().anyMatch(Thread::isAlive)) {
            for (SiteUsage u : allocator.siteUsage()) {
                assertTrue(u.frees() >= 0 && u.frees() <= u.allocations(), u.toString());
                assertTrue(u.bytesFreed() >= 0 && u.bytesFreed() <= u.bytesAllocated(), u.toString());
            }
            samples++;
        }
        for (Thread w : workers) {
            w.join();
        }
        long allocations = 0;
        for (SiteUsage u : allocator.siteUsage()) {
            assertEquals(u.allocations(), u.frees(), u.toString());
            assertEquals(u.bytesAllocated(), u.bytesFreed(), u.toString());
            allocations += u.allocations();
        }
        assertEquals((long) threads * opsPerThread, allocations);
        assertTrue(samples > 0);
    }
}
