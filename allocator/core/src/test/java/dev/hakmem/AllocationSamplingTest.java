package dev.hakmem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocationSamplingTest {
    private static final int SITE = 1;
    private static final int MOVED = 7;

    private HakmemAllocator allocator;

    @BeforeEach
    void start() {
        allocator = HakmemAllocator.create(HakmemConfig.defaults());
    }

    @AfterEach
    void stop() {
        allocator.sampleAllocations(0, null);
        allocator.close();
    }

    private Map<Integer, SiteUsage> usage() {
        return allocator.siteUsage().stream().collect(Collectors.toMap(SiteUsage::siteId, Function.identity()));
    }

    @Test
    void shouldMoveEverySampledBlockAndItsCountToTheSiteTheSamplerChose() {
        List<long[]> told = new ArrayList<>();
        allocator.sampleAllocations(0, (address, bytes, site, first) -> {
            told.add(new long[] {address, bytes, site});
            return MOVED;
        });
        long small = allocator.allocate(100, SITE);
        long huge = allocator.allocate(3 << 20, SITE);
        long other = allocator.allocate(100, 2);

        assertEquals(3, told.size(), "a mean of 0 samples every allocation");
        assertEquals(small, told.get(0)[0]);
        assertEquals(allocator.usableSize(small), told.get(0)[1]);
        assertEquals(SITE, told.get(0)[2]);
        assertEquals(MOVED, allocator.liveSiteOf(small));
        assertEquals(MOVED, allocator.liveSiteOf(huge));
        assertEquals(MOVED, allocator.siteOf(other));
        Map<Integer, SiteUsage> usage = usage();
        assertNull(usage.get(SITE), "no allocation stays counted at the site it was made with");
        assertEquals(3, usage.get(MOVED).liveBlocks());
        assertEquals(allocator.usableSize(small) * 2 + allocator.usableSize(huge), usage.get(MOVED).liveBytes());

        long freedBytes = allocator.usableSize(small) + allocator.usableSize(huge);
        allocator.free(small);
        allocator.free(huge);
        assertEquals(0, allocator.liveSiteOf(small), "a freed block has no live site");
        assertEquals(0, allocator.liveSiteOf(huge));
        assertEquals(new SiteUsage(MOVED, 3, 2, usage.get(MOVED).bytesAllocated(), freedBytes), usage().get(MOVED));
    }

    @Test
    void shouldSampleTheFirstAllocationOfEachSiteAndThenAboutOneInEveryMeanBytes() {
        long mean = 64 << 10;
        int[] samples = new int[1];
        int[] firsts = new int[1];
        allocator.sampleAllocations(mean, (address, bytes, site, first) -> {
            samples[0]++;
            firsts[0] += first ? 1 : 0;
            return site;
        });
        int blocks = 1 << 20;
        for (int i = 0; i < blocks; i++) {
            long a = allocator.allocate(64, SITE);
            if (i == 0) {
                assertEquals(1, samples[0], "the first allocation at a site is sampled");
            }
            allocator.free(a);
        }
        // 64 MiB at one sample per 64 KiB on average: 1,024 expected, sd ~32 (a Poisson count)
        assertTrue(samples[0] > 1024 - 200 && samples[0] < 1024 + 200, samples[0] + " samples");
        assertEquals(blocks, usage().get(SITE).allocations(), "a sample the sampler leaves in place stays counted there");
        assertEquals(1, firsts[0], "only the first sample is marked first");
    }

    @Test
    void shouldGiveUnbiasedEstimatesOfBytesAllocatedOverMixedSizes() {
        long mean = 256 << 10;
        double[] estimate = new double[1];
        allocator.sampleAllocations(mean, (address, bytes, site, first) -> {
            estimate[0] += first ? bytes : bytes / -Math.expm1(-(double) bytes / mean);
            return site;
        });
        SplittableRandom random = new SplittableRandom(42);
        long allocated = 0;
        for (int i = 0; i < 400_000; i++) {
            // mostly small, some mid-sized, a few larger than the mean
            int size = random.nextInt(100) < 90 ? 16 + random.nextInt(1024)
                    : random.nextInt(100) < 95 ? 4096 + random.nextInt(60_000) : 300_000 + random.nextInt(500_000);
            long a = allocator.allocate(size, SITE);
            allocated += allocator.usableSize(a);
            allocator.free(a);
        }
        double error = Math.abs(estimate[0] - allocated) / allocated;
        assertTrue(error < 0.05, "estimated " + (long) estimate[0] + " of " + allocated + " bytes");
    }

    @Test
    void shouldLetTheAllocationSucceedWhenTheSamplerFails() {
        allocator.sampleAllocations(0, (address, bytes, site, first) -> {
            throw new IllegalStateException("a broken sampler");
        });
        long a = allocator.allocate(100, SITE);
        assertEquals(SITE, allocator.liveSiteOf(a));
        assertEquals(1, usage().get(SITE).liveBlocks());
    }

    @Test
    void shouldStopSamplingWhenTheSamplerIsRemoved() {
        int[] samples = new int[1];
        allocator.sampleAllocations(0, (address, bytes, site, first) -> {
            samples[0]++;
            return site;
        });
        allocator.free(allocator.allocate(64, SITE));
        allocator.sampleAllocations(0, null);
        for (int i = 0; i < 10; i++) {
            allocator.free(allocator.allocate(64, SITE));
        }
        assertEquals(1, samples[0]);
    }

    @Test
    void shouldNotSampleAllocationsWithoutASite() {
        int[] samples = new int[1];
        allocator.sampleAllocations(0, (address, bytes, site, first) -> {
            samples[0]++;
            return site;
        });
        allocator.free(allocator.allocate(64));
        allocator.free(allocator.allocate(3 << 20));
        assertEquals(0, samples[0]);
    }

    @Test
    void shouldRefuseANegativeInterval() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> allocator.sampleAllocations(-1, (address, bytes, site, first) -> site));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    @Test
    void shouldSayNoLiveSiteForAddressesThatAreNotLiveBlocks() {
        long a = allocator.allocate(256, SITE);
        assertEquals(SITE, allocator.liveSiteOf(a));
        assertEquals(0, allocator.liveSiteOf(a + 16), "interior");
        assertEquals(0, allocator.liveSiteOf(allocator.allocate(256)), "no site");
        assertEquals(0, allocator.liveSiteOf(16), "not hakmem's");
    }
}
