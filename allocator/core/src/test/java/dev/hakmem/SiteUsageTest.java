package dev.hakmem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
