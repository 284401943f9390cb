package dev.hakmem;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static dev.hakmem.TestMemory.mib;
import static dev.hakmem.TestMemory.residentBytes;
import static dev.hakmem.TestMemory.touchPages;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The design goal "after a burst is freed, RSS falls back to within 10% of where it started": a burst
 * of 256 MiB in every tier, every page written, all freed, then {@code releaseThreadCache()} and
 * {@code trim()}. hakmem's own figure (mapped bytes) must fall back to within a few MiB of the start,
 * and the process's resident set (VmRSS) to within 10% or 16 MiB of it, whichever is larger, plus what
 * the Java heap committed meanwhile (it moves by a few MiB when hakmem's span objects come and go, and
 * other tests in this JVM leave garbage behind: that is the JVM's memory, not hakmem's).
 */
class BurstReturnsMemoryTest {
    private static final long BURST = 256L << 20;
    private static final long MAPPED_SLACK = 4L << 20;
    private static final long RSS_SLACK = 16L << 20;
    private static final int MAX_BLOCKS = 400_000;

    /** Bytes per tier: 96 MiB tiny, 96 MiB mid, 32 MiB large, 32 MiB huge. */
    private static final long[][] TIERS = {
            {96L << 20, 16, 1024},
            {96L << 20, 1025, 56 * 1024},
            {32L << 20, 56 * 1024 + 1, 1 << 20},
            {32L << 20, (1 << 20) + 1, 6 << 20},
    };

    private final long[] blocks = new long[MAX_BLOCKS];
    private int count;

    private long burst(HakmemAllocator allocator, long scale, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long total = 0;
        for (long[] tier : TIERS) {
            long budget = tier[0] / scale;
            for (long spent = 0; spent < budget; ) {
                long size = random.nextLong(tier[1], tier[2] + 1);
                long address = allocator.allocate(size);
                touchPages(address, size);
                blocks[count++] = address;
                spent += size;
            }
            total += budget;
        }
        // free in an order unlike the allocation order, as a burst of requests would
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = blocks[i];
            blocks[i] = blocks[j];
            blocks[j] = t;
        }
        return total;
    }

    private void freeAll(HakmemAllocator allocator) {
        for (int i = 0; i < count; i++) {
            allocator.free(blocks[i]);
        }
        count = 0;
    }

    /**
     * RSS once the Java heap has settled: G1 gives memory back after a collection in the background
     * (and other tests in this JVM may have left garbage), so read until two readings agree.
     */
    private static long settledResidentBytes() throws InterruptedException {
        System.gc();
        long last = residentBytes();
        for (int i = 0; i < 40; i++) {
            Thread.sleep(50);
            long now = residentBytes();
            if (Math.abs(now - last) < (1L << 20)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    @ParameterizedTest
    @EnumSource(value = HakmemConfig.OsRoute.class, names = {"MMAP", "SHM"})
    @Timeout(120)
    void shouldGiveTheMemoryOfAFreedBurstBackToTheOs(HakmemConfig.OsRoute route) throws Exception {
        try (HakmemAllocator allocator = HakmemAllocator.create(HakmemConfig.defaults().withOsRoute(route))) {
            // the same burst once first, so the JIT, the page map's leaves and the Java heap (which holds
            // hakmem's span objects) have grown to what the measured burst needs: RSS then moves with
            // hakmem's own memory only
            burst(allocator, 1, 1);
            freeAll(allocator);
            allocator.releaseThreadCache();
            allocator.trim();
            HakmemStats start = allocator.stats();
            long rssStart = settledResidentBytes();
            long heapStart = Runtime.getRuntime().totalMemory();

            burst(allocator, 1, 2);
            HakmemStats peak = allocator.stats();
            long rssPeak = residentBytes();
            assertTrue(peak.mappedBytes() >= BURST, peak.toString());
            assertTrue(rssPeak - rssStart >= BURST * 3 / 4,
                    "the burst must show in RSS for the test to mean anything: " + mib(rssStart) + " -> " + mib(rssPeak));

            freeAll(allocator);
            allocator.releaseThreadCache();
            allocator.trim();
            HakmemStats end = allocator.stats();
            long rssEnd = settledResidentBytes();
            long heapGrowth = Math.max(0, Runtime.getRuntime().totalMemory() - heapStart);
            System.out.printf("BurstReturnsMemoryTest %s: mapped %s -> %s -> %s, RSS %s -> %s -> %s%n", route,
                    mib(start.mappedBytes()), mib(peak.mappedBytes()), mib(end.mappedBytes()),
                    mib(rssStart), mib(rssPeak), mib(rssEnd));

            assertEquals(0, end.liveBlocks(), end.toString());
            assertEquals(0, end.hugeBlocks(), end.toString());
            assertTrue(end.mappedBytes() <= start.mappedBytes() + MAPPED_SLACK,
                    "hakmem keeps " + mib(end.mappedBytes()) + " mapped, started with " + mib(start.mappedBytes()) + ": " + end);
            long allowed = Math.max(rssStart / 10, RSS_SLACK) + heapGrowth;
            assertTrue(rssEnd <= rssStart + allowed, "RSS " + mib(rssStart) + " before the burst, " + mib(rssEnd)
                    + " after it was freed and trimmed; allowed " + mib(allowed) + " more (" + mib(heapGrowth)
                    + " of it the Java heap's growth); hakmem: " + end);
        }
    }
    @Test
    void shouldGiveBackForeignBlocksAnIdleThreadFreedWhenTrimmed() throws Exception {
        try (HakmemAllocator allocator = HakmemAllocator.create(HakmemConfig.defaults())) {
            allocator.free(allocator.allocate(16)); // the consumer has a cache of its own already
            long[] produced = new long[64];
            Thread producer = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < produced.length; i++) {
                    produced[i] = allocator.allocate(1 << 20);
                    touchPages(produced[i], 1 << 20);
                }
            });
            producer.join();
            for (long address : produced) {
                allocator.free(address); // the consumer frees the last of its work and goes idle
            }
            allocator.stats();
            allocator.trim();
            HakmemStats s = allocator.stats();
            assertEquals(0, s.liveBlocks(), s.toString());
            assertTrue(s.spans() <= 1, "no block is live but the consumer's own 16-byte ones, the producer is gone, "
                    + "yet spans remain: " + s);
            assertTrue(s.mappedBytes() <= MAPPED_SLACK, mib(s.mappedBytes()) + " still mapped: " + s);
        }
    }
    @Test
    void shouldLeaveNoTmpfsPagesBehindAfterABurstOnTheShmRoute() throws Exception {
        try (HakmemAllocator allocator = HakmemAllocator.create(
                HakmemConfig.defaults().withOsRoute(HakmemConfig.OsRoute.SHM))) {
            long size = 128L << 20;
            long address = allocator.allocate(size);
            touchPages(address, size);
            boolean onShm = !hakmemMappings().isEmpty();
            long shmemDuring = shmemBytes();
            allocator.free(address);
            allocator.trim();
            assertEquals(0, allocator.stats().mappedBytes());
            assertTrue(hakmemMappings().isEmpty(), "no hakmem file stays mapped: " + hakmemMappings());
            if (onShm) {
                long released = shmemDuring - shmemBytes();
                assertTrue(released >= size - MAPPED_SLACK,
                        "unmapping must free the tmpfs pages; Shmem fell by only " + mib(released));
            }
        }
    }

    /** Lines of /proc/self/maps that map one of hakmem's unlinked files. */
    private static java.util.List<String> hakmemMappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("/hakmem-")).toList();
    }

    /** The machine's tmpfs and shared memory in bytes (Shmem in /proc/meminfo). */
    private static long shmemBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("Shmem:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no Shmem line in /proc/meminfo");
    }
}
