package dev.hakmem.refill;

import dev.hakmem.refill.spi.Policy;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizeClassesTest {
    @Test
    void shouldMapEverySizeToTheSmallestClassThatHoldsIt() {
        for (int size = 1; size <= SizeClasses.MAX_SMALL_SIZE; size++) {
            int c = SizeClasses.classOf(size);
            assertTrue(SizeClasses.sizeOf(c) >= size, "class " + c + " too small for " + size);
            if (c > 0) {
                assertTrue(SizeClasses.sizeOf(c - 1) < size, "class " + (c - 1) + " would hold " + size);
            }
        }
    }

    @Test
    void shouldKeepSixteenByteAlignmentAndGrowStrictly() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            assertEquals(0, SizeClasses.sizeOf(c) % 16);
            if (c > 0) {
                assertTrue(SizeClasses.sizeOf(c) > SizeClasses.sizeOf(c - 1));
            }
        }
        assertEquals(16, SizeClasses.sizeOf(0));
        assertEquals(SizeClasses.MAX_SMALL_SIZE, SizeClasses.sizeOf(SizeClasses.COUNT - 1));
        assertEquals(0, SizeClasses.classOf(0));
    }

    @Test
    void shouldPutTheTierBoundariesWhereTheDesignSays() {
        assertEquals(SizeClasses.Tier.TINY, SizeClasses.tierOf(SizeClasses.classOf(1024)));
        assertEquals(SizeClasses.Tier.MID, SizeClasses.tierOf(SizeClasses.classOf(1025)));
        assertEquals(SizeClasses.Tier.MID, SizeClasses.tierOf(SizeClasses.classOf(56 * 1024)));
        assertEquals(SizeClasses.Tier.LARGE, SizeClasses.tierOf(SizeClasses.classOf(56 * 1024 + 1)));
    }

    /**
     * The waste figures quoted in SizeClasses and the README: internal waste (block size over
     * request) at worst, and on average for sizes spread uniformly over each tier.
     */
    @Test
    void shouldBoundInternalWaste() {
        double worst = 0;
        double[] sum = new double[3];
        long[] count = new long[3];
        for (int size = 1; size <= SizeClasses.MAX_SMALL_SIZE; size++) {
            int c = SizeClasses.classOf(size);
            double waste = (SizeClasses.sizeOf(c) - size) / (double) SizeClasses.sizeOf(c);
            int tier = SizeClasses.tierOf(c).ordinal();
            sum[tier] += waste;
            count[tier]++;
            if (size > 128) {
                worst = Math.max(worst, waste);
            }
        }
        assertTrue(worst <= 0.20 + 1e-9, "worst waste above 128 B: " + worst);
        for (int tier = 0; tier < 3; tier++) {
            double mean = sum[tier] / count[tier];
            assertTrue(mean < 0.125, SizeClasses.Tier.values()[tier] + " mean waste " + mean);
        }
    }

    @Test
    void shouldChooseSpansThatWasteLittleAndHoldEnoughBlocks() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            long bytes = (long) SizeClasses.spanPages(c) << PageMap.PAGE_SHIFT;
            long blocks = bytes / SizeClasses.sizeOf(c);
            assertTrue(blocks >= 1);
            assertTrue(bytes <= 2L << 20, "span of class " + c + " is " + bytes);
            assertTrue((bytes % SizeClasses.sizeOf(c)) * 8 <= bytes, "class " + c + " wastes more than 1/8 of its span");
            if (SizeClasses.tierOf(c) == SizeClasses.Tier.MID) {
                assertTrue(blocks >= 8, "mid class " + c + " has " + blocks + " blocks per span");
            }
            assertTrue(SizeClasses.defaultBatch(c) >= 1 && 2 * SizeClasses.defaultBatch(c) <= Policy.MAX_CAPACITY,
                    "a cache of class " + c + " holds twice its batch");
        }
    }

    /** allocator/README.md documents the table; it must say what the code does. */
    @Test
    void shouldMatchTheTableInTheReadme() throws java.io.IOException {
        java.nio.file.Path readme = java.nio.file.Path.of("..", "README.md");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(readme), "run from the module directory");
        var policy = RefillEngine.defaultPolicy();
        int rows = 0;
        for (String line : java.nio.file.Files.readAllLines(readme)) {
            String[] cells = line.split("\\|");
            if (cells.length < 8 || !cells[1].trim().matches("\\d+")) {
                continue;
            }
            int c = Integer.parseInt(cells[1].trim());
            String size = cells[2].trim();
            long bytes = size.endsWith("KiB") ? Math.round(Double.parseDouble(size.replace(" KiB", "")) * 1024)
                    : Long.parseLong(size.replace(" B", ""));
            assertEquals(SizeClasses.sizeOf(c), bytes, "size of class " + c);
            assertEquals(SizeClasses.tierOf(c).name().toLowerCase(java.util.Locale.ROOT), cells[3].trim(), "tier of class " + c);
            assertEquals(SizeClasses.spanPages(c), Integer.parseInt(cells[4].trim()), "span pages of class " + c);
            assertEquals(policy.refillCount(c), Integer.parseInt(cells[6].trim()), "batch of class " + c);
            assertEquals(policy.cacheCapacity(c), Integer.parseInt(cells[7].trim()), "capacity of class " + c);
            rows++;
        }
        assertEquals(SizeClasses.COUNT, rows, "one README row per class");
    }
}
