package dev.hakmem;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongPredicate;

import static dev.hakmem.TestMemory.fill;
import static dev.hakmem.TestMemory.firstMismatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults at the OS boundary, injected through the one seam there ({@code OsMemory.refusing}, reached
 * through {@link DefaultAllocator#create(HakmemConfig, LongPredicate)}), and an exhausted
 * {@code hakmem.limit}: each must end in an {@link OutOfMemoryError} that names the request and
 * the cause, change nothing, and leave an allocator that works once the fault is gone, with
 * balanced statistics and bookkeeping ({@link DefaultAllocator#checkInvariants}).
 */
class OsFaultTest {
    private static final long HUGE = 3L << 20;
    private static final long LARGE = 64 * 1024;

    /** Refuses while switched on. */
    private static final class Switch implements LongPredicate {
        final AtomicBoolean on = new AtomicBoolean();
        final AtomicInteger refused = new AtomicInteger();

        @Override
        public boolean test(long bytes) {
            if (on.get()) {
                refused.incrementAndGet();
                return true;
            }
            return false;
        }
    }

    private static HakmemConfig config() {
        return HakmemConfig.defaults(); // 1 MiB first chunk, no limit, the route the JVM allows
    }

    private static void assertBalancedAndSound(HakmemAllocator a, long liveBlocks) {
        HakmemStats s = a.stats();
        assertEquals(s.allocations() - s.frees(), s.liveBlocks(), s.toString());
        assertEquals(liveBlocks, s.liveBlocks(), s.toString());
        assertEquals(List.of(), ((DefaultAllocator) a).checkInvariants());
    }

    /** A small and a huge block come and go, their bytes intact. */
    private static void assertWorks(HakmemAllocator a) {
        long small = a.allocate(100);
        long huge = a.allocate(HUGE);
        fill(small, 100, (byte) 1);
        fill(huge, HUGE, (byte) 2);
        assertEquals(-1, firstMismatch(small, 100, (byte) 1));
        assertEquals(-1, firstMismatch(huge, HUGE, (byte) 2));
        a.free(small);
        a.free(huge);
    }

    @Test
    void shouldThrowOutOfMemoryNamingTheRequestWhenTheOsRefusesTheFirstChunkAndWorkOnceItStops() {
        Switch os = new Switch();
        os.on.set(true);
        try (HakmemAllocator a = DefaultAllocator.create(config(), os)) {
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> a.allocate(64));
            assertTrue(e.getMessage().contains("cannot allocate 64 bytes") && e.getMessage().contains("the OS refused a new chunk of 1048576 bytes"),
                    e.getMessage());
            assertTrue(os.refused.get() >= 1);
            HakmemStats s = a.stats();
            assertEquals(0, s.mappedBytes(), s.toString());
            assertEquals(0, s.allocations(), s.toString());
            assertBalancedAndSound(a, 0);

            os.on.set(false);
            assertWorks(a);
            assertBalancedAndSound(a, 0);
        }
    }

    @Test
    void shouldThrowOutOfMemoryNamingTheRequestWhenTheOsRefusesAHugeBlockAndReserveNothing() {
        Switch os = new Switch();
        try (HakmemAllocator a = DefaultAllocator.create(config(), os)) {
            long keep = a.allocate(64);
            HakmemStats before = a.stats();
            os.on.set(true);
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> a.allocate(HUGE, 5));
            assertTrue(e.getMessage().contains("cannot allocate " + HUGE + " bytes") && e.getMessage().contains("the OS refused a mapping"),
                    e.getMessage());
            HakmemStats after = a.stats();
            assertEquals(before.mappedBytes(), after.mappedBytes(), "a refused mapping maps nothing");
            assertEquals(before.bytesReserved(), after.bytesReserved(), "a refused mapping reserves nothing");
            assertEquals(0, after.hugeBlocks());
            assertEquals(List.of(), a.siteUsage(), "a refused request counts for no site");
            assertBalancedAndSound(a, 1);

            os.on.set(false);
            assertWorks(a);
            a.free(keep);
            assertBalancedAndSound(a, 0);
        }
    }

    @Test
    void shouldServeABlockFreedBeforeTheFaultWhileTheOsRefuses() {
        Switch os = new Switch();
        try (HakmemAllocator a = DefaultAllocator.create(config(), os)) {
            long small = a.allocate(64);
            long huge = a.allocate(HUGE);
            a.free(small);
            a.free(huge);
            os.on.set(true);
            assertEquals(small, a.allocate(64), "the cached block comes back without the OS");
            assertEquals(huge, a.allocate(HUGE), "the cached mapping comes back without the OS");
            assertEquals(0, os.refused.get(), "nothing needed the OS");
            a.free(small);
            a.free(huge);
            assertBalancedAndSound(a, 0);
        }
    }

    /**
     * The OS refuses the second chunk while a batch of 64 KiB blocks is being carved, after some
     * spans of it came from the first: the batch is served short, the next allocation gets the
     * refusal, and no block is lost (every span empties and every chunk goes back when all are freed).
     */
    @Test
    void shouldServeTheShortBatchCarvedBeforeARefusalAndLoseNoBlock() {
        AtomicInteger maps = new AtomicInteger();
        LongPredicate secondAndLater = bytes -> maps.incrementAndGet() > 1;
        try (HakmemAllocator a = DefaultAllocator.create(config(), secondAndLater)) {
            long tiny = a.allocate(64); // the first chunk
            List<Long> blocks = new ArrayList<>();
            OutOfMemoryError e = null;
            while (e == null && blocks.size() < 64) {
                try {
                    long block = a.allocate(LARGE, 3);
                    fill(block, LARGE, (byte) blocks.size());
                    blocks.add(block);
                } catch (OutOfMemoryError refused) {
                    e = refused;
                }
            }
            assertTrue(e != null, "a 1 MiB chunk cannot hold 64 blocks of 64 KiB");
            assertTrue(e.getMessage().contains("cannot allocate " + LARGE + " bytes") && e.getMessage().contains("refused a new chunk"),
                    e.getMessage());
            assertEquals(15, blocks.size(), "the first chunk's 15 free pages, the last three of them a short batch");
            Set<Long> distinct = new HashSet<>(blocks);
            assertEquals(blocks.size(), distinct.size());
            for (int i = 0; i < blocks.size(); i++) {
                assertEquals(-1, firstMismatch(blocks.get(i), LARGE, (byte) i), "block " + i + " kept its bytes");
            }
            assertBalancedAndSound(a, 1 + blocks.size());
            assertEquals(1, a.siteUsage().size());
            assertEquals(blocks.size(), a.siteUsage().getFirst().liveBlocks());

            for (long block : blocks) {
                a.free(block);
            }
            a.free(tiny);
            a.releaseThreadCache();
            a.trim();
            HakmemStats s = a.stats();
            assertEquals(0, s.spans(), "every span emptied: no block of the short batch was lost " + s);
            assertEquals(0, s.mappedBytes(), s.toString());
            assertBalancedAndSound(a, 0);

            maps.set(-1_000); // the OS says yes again
            assertWorks(a);
            assertBalancedAndSound(a, 0);
        }
    }

    @Test
    void shouldThrowOutOfMemoryNamingTheLimitAndServeAgainOnceABlockIsFreed() {
        long limit = 8L << 20;
        try (HakmemAllocator a = HakmemAllocator.create(config().withLimit(limit))) {
            List<Long> blocks = new ArrayList<>();
            OutOfMemoryError e = null;
            while (e == null && blocks.size() < 200) {
                try {
                    blocks.add(a.allocate(LARGE));
                } catch (OutOfMemoryError full) {
                    e = full;
                }
            }
            assertTrue(e != null && e.getMessage().contains("cannot allocate " + LARGE + " bytes")
                    && e.getMessage().contains("the limit of " + limit + " bytes (hakmem.limit)"), String.valueOf(e));
            assertTrue(blocks.size() * LARGE <= limit, blocks.size() + " blocks under a limit of " + limit);
            OutOfMemoryError huge = assertThrows(OutOfMemoryError.class, () -> a.allocate(HUGE));
            assertTrue(huge.getMessage().contains("hakmem.limit"), huge.getMessage());
            assertBalancedAndSound(a, blocks.size());

            long last = blocks.removeLast();
            a.free(last);
            assertEquals(last, a.allocate(LARGE), "a block freed under the limit is served again");
            blocks.add(last);
            for (long block : blocks) {
                a.free(block);
            }
            assertWorks(a);
            assertBalancedAndSound(a, 0);
        }
    }
}
