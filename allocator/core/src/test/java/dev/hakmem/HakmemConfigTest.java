package dev.hakmem;

import dev.hakmem.refill.MemoryRoute;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HakmemConfigTest {
    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    @Test
    void shouldUseTheDefaultsWhenNothingIsSet() {
        assertEquals(HakmemConfig.defaults(), HakmemConfig.from(new Properties(), Map.of()));
    }

    @Test
    void shouldPreferSystemPropertiesOverEnvironmentVariables() {
        HakmemConfig config = HakmemConfig.from(props("hakmem.limit", "512m"), Map.of("HAKMEM_LIMIT", "1g", "HAKMEM_OS", "shm"));
        assertEquals(512L << 20, config.limitBytes());
        assertEquals(HakmemConfig.OsRoute.SHM, config.osRoute());
    }

    @Test
    void shouldParseSizesWithSuffixes() {
        assertEquals(1024, HakmemConfig.parseSize("k", "1k"));
        assertEquals(3L << 30, HakmemConfig.parseSize("k", "3G"));
        assertEquals(77, HakmemConfig.parseSize("k", " 77 "));
    }

    @Test
    void shouldAcceptTheOriginalArenaVariablesAsAliases() {
        HakmemConfig config = HakmemConfig.from(new Properties(), Map.of("HAKMEM_POOL_TLS_ARENA_MB_INIT", "2",
                "HAKMEM_POOL_TLS_ARENA_MB_MAX", "16", "HAKMEM_POOL_TLS_ARENA_GROWTH_LEVELS", "2"));
        assertEquals(2L << 20, config.chunkInitBytes());
        assertEquals(16L << 20, config.chunkMaxBytes());
        assertEquals(2, config.growthLevels());
    }

    @Test
    void shouldTurnLearningOnFromThePropertyOrTheVariableAndRefuseAnythingButTrueOrFalse() {
        assertEquals(false, HakmemConfig.defaults().learn());
        assertEquals(true, HakmemConfig.from(props("hakmem.learn", "true"), Map.of()).learn());
        assertEquals(true, HakmemConfig.from(new Properties(), Map.of("HAKMEM_LEARN", "true")).learn());
        assertEquals(false, HakmemConfig.from(props("hakmem.learn", "false"), Map.of("HAKMEM_LEARN", "true")).learn());
        assertEquals(true, HakmemConfig.defaults().withLearning(true).learn());
        assertRejected(props("hakmem.learn", "on"), Map.of(), "hakmem.learn", "on", "true or false");
        assertRejected(new Properties(), Map.of("HAKMEM_LEARN", "2"), "HAKMEM_LEARN", "2", "true or false");
    }

    @Test
    void shouldTurnDebugModeOnFromThePropertyOrTheVariableAndRefuseAnythingButTrueOrFalse() {
        assertEquals(false, HakmemConfig.defaults().debug());
        assertEquals(true, HakmemConfig.from(props("hakmem.debug", "true"), Map.of()).debug());
        assertEquals(true, HakmemConfig.from(new Properties(), Map.of("HAKMEM_DEBUG", "TRUE")).debug());
        assertEquals(false, HakmemConfig.from(props("hakmem.debug", "false"), Map.of("HAKMEM_DEBUG", "true")).debug());
        assertRejected(props("hakmem.debug", "yes"), Map.of(), "hakmem.debug", "yes", "true or false");
        assertRejected(new Properties(), Map.of("HAKMEM_DEBUG", "1"), "HAKMEM_DEBUG", "1", "true or false");
    }

    @Test
    void shouldReadTheDirtyDecayFromItsKeysAndRefuseValuesOutsideItsRangeNamingKeyValueAndRange() {
        assertEquals(1_000, HakmemConfig.defaults().dirtyDecayMillis());
        assertEquals(250, HakmemConfig.from(props("hakmem.dirty.decayMillis", "250"), Map.of()).dirtyDecayMillis());
        assertEquals(0, HakmemConfig.from(new Properties(), Map.of("HAKMEM_DIRTY_DECAY_MILLIS", "0")).dirtyDecayMillis());
        HakmemConfig set = HakmemConfig.builder().dirtyDecayMillis(40).build();
        assertEquals(set, set.toBuilder().build(), "the dirty decay survives toBuilder");
        assertTrue(!set.equals(HakmemConfig.defaults()) && set.toString().contains("dirtyDecayMillis=40"), set.toString());
        assertRejected(props("hakmem.dirty.decayMillis", "-1"), Map.of(), "hakmem.dirty.decayMillis", "-1", "0..3600000");
        assertRejected(new Properties(), Map.of("HAKMEM_DIRTY_DECAY_MILLIS", "3600001"), "hakmem.dirty.decayMillis", "3600001",
                "0..3600000");
    }

    private static void assertRejected(Properties properties, Map<String, String> env, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HakmemConfig.from(properties, env));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void shouldSizeCachesFromTheirKeysAndRefuseValuesOutsideTheirRangesNamingThem() {
        HakmemConfig defaults = HakmemConfig.defaults();
        assertEquals(100, defaults.cacheBatchPercent());
        assertEquals(200, defaults.cacheCapacityPercent());
        assertEquals(HakmemConfig.NO_CACHE_BUDGET, defaults.cacheMaxBytes());
        HakmemConfig set = HakmemConfig.from(props("hakmem.cache.batchPercent", "50", "hakmem.cache.capacityPercent", "400",
                "hakmem.cache.maxBytes", "16m"), Map.of());
        assertEquals(50, set.cacheBatchPercent());
        assertEquals(400, set.cacheCapacityPercent());
        assertEquals(16L << 20, set.cacheMaxBytes());
        assertEquals(set, set.toBuilder().build());
        assertEquals(8L << 20, HakmemConfig.from(new Properties(), Map.of("HAKMEM_CACHE_MAX_BYTES", "8m")).cacheMaxBytes());
        assertRejected(props("hakmem.cache.batchPercent", "0"), Map.of(), "hakmem.cache.batchPercent", "0", "1..1000");
        assertRejected(props("hakmem.cache.capacityPercent", "99"), Map.of(), "hakmem.cache.capacityPercent", "99", "100..1000");
        assertRejected(props("hakmem.cache.maxBytes", "1m"), Map.of(), "hakmem.cache.maxBytes", "1048576", "one block of every size class");
        assertRejected(props("hakmem.cache.maxBytes", "lots"), Map.of(), "hakmem.cache.maxBytes", "lots");
    }

    @Test
    void shouldNameTheKeyTheValueAndWhatIsAllowedForABadValue() {
        assertRejected(props("hakmem.limit", "lots"), Map.of(), "hakmem.limit", "lots", "suffix");
        assertRejected(new Properties(), Map.of("HAKMEM_LIMIT", "-1"), "HAKMEM_LIMIT", "-1");
        assertRejected(props("hakmem.os", "bsd"), Map.of(), "hakmem.os", "bsd", "auto, mmap, shm, arena");
        assertRejected(props("hakmem.stats", "maybe"), Map.of(), "hakmem.stats", "maybe", "true or false");
        assertRejected(props("hakmem.stripes", "0"), Map.of(), "hakmem.stripes", "0", "1..4096");
        assertRejected(props("hakmem.chunk.init", "100k"), Map.of(), "hakmem.chunk.init", "102400", "multiple of 64k");
        assertRejected(props("hakmem.chunk.init", "2m", "hakmem.chunk.max", "1m"), Map.of(), "hakmem.chunk.max");
        assertRejected(props("hakmem.prewarm", "4096"), Map.of(), "hakmem.prewarm", "4096");
        assertRejected(props("hakmem.limit", "99999999999t"), Map.of(), "hakmem.limit", "99999999999t");
        assertRejected(new Properties(), Map.of("HAKMEM_POOL_TLS_ARENA_MB_INIT", "x"), "HAKMEM_POOL_TLS_ARENA_MB_INIT", "'x'");
    }

    @Test
    void shouldBuildFromTheDefaultsAndCheckEachValueNamingItsKey() {
        assertEquals(HakmemConfig.defaults(), HakmemConfig.builder().build());
        HakmemConfig config = HakmemConfig.builder().limitBytes(512L << 20).osRoute(HakmemConfig.OsRoute.SHM).stripes(3)
                .chunkInitBytes(2L << 20).chunkMaxBytes(4L << 20).debug(true).build();
        assertEquals(512L << 20, config.limitBytes());
        assertEquals(HakmemConfig.OsRoute.SHM, config.osRoute());
        assertEquals(3, config.stripes());
        assertEquals(2L << 20, config.chunkInitBytes());
        assertEquals(true, config.debug());
        assertEquals(HakmemConfig.defaults().growthLevels(), config.growthLevels(), "what was not set keeps its default");
        assertEquals(config, config.toBuilder().build());
        assertEquals(config.hashCode(), config.toBuilder().build().hashCode());
        assertEquals(HakmemConfig.from(props("hakmem.limit", "512m", "hakmem.os", "shm", "hakmem.stripes", "3",
                "hakmem.chunk.init", "2m", "hakmem.chunk.max", "4m", "hakmem.debug", "true"), Map.of()), config);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HakmemConfig.builder().stripes(0).build());
        assertTrue(e.getMessage().contains("hakmem.stripes") && e.getMessage().contains("1..4096"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> config.toBuilder().chunkMaxBytes(1L << 20).build());
        assertTrue(e.getMessage().contains("hakmem.chunk.max"), e.getMessage());
    }

    /** The facade's enum is the API, the engine's is what Box 2 can name; DefaultAllocator maps one to the other by name. */
    @Test
    void shouldOfferTheSameMemoryRoutesAsTheEngine() {
        assertEquals(Arrays.stream(MemoryRoute.values()).map(Enum::name).toList(),
                Arrays.stream(HakmemConfig.OsRoute.values()).map(Enum::name).toList());
    }

    @Test
    void shouldParseSizesBooleansAndDurationsTheSameWayForEveryKey() {
        assertEquals(0, ConfigValues.size("k", "0"));
        assertEquals(5L << 40, ConfigValues.size("k", "5T"));
        assertEquals(true, ConfigValues.bool("k", " True "));
        assertEquals(250, ConfigValues.millis("k", "250ms"));
        assertEquals(10_000, ConfigValues.millis("k", "10S"));
        assertEquals(120_000, ConfigValues.millis("k", "2m"));
        assertEquals(7_200_000, ConfigValues.millis("k", "2h"));
        for (String[] bad : new String[][] {{"size", "-1"}, {"size", "8x"}, {"size", ""}, {"size", "9999999999999g"},
                {"bool", "yes"}, {"bool", "1"}, {"millis", "10"}, {"millis", "-5s"}, {"millis", "xs"}, {"millis", "99999999999999999h"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
                switch (bad[0]) {
                    case "size" -> ConfigValues.size("the.key", bad[1]);
                    case "bool" -> ConfigValues.bool("the.key", bad[1]);
                    default -> ConfigValues.millis("the.key", bad[1]);
                }
            }, bad[0] + " " + bad[1]);
            assertTrue(e.getMessage().contains("the.key") && e.getMessage().contains("'" + bad[1] + "'")
                    && e.getMessage().contains("expected"), e.getMessage());
        }
    }

    @Test
    void shouldStartAnAllocatorOnTheFileRouteWithoutNativeAccess() {
        try (HakmemAllocator allocator = HakmemAllocator.create(HakmemConfig.defaults().withOsRoute(HakmemConfig.OsRoute.SHM))) {
            long address = allocator.allocate(100);
            allocator.free(address);
            assertEquals("shm+arena", allocator.stats().osRoute());
        }
    }
}
