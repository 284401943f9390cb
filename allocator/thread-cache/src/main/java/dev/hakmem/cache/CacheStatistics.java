package dev.hakmem.cache;

/**
 * Whether thread caches count allocations and frees. A constant the JIT folds: with
 * {@code -Dhakmem.stats=false} (or {@code HAKMEM_STATS=false}) the counting code is compiled away.
 * It is read here, once, because a JIT constant must be known when this class initialises; the
 * facade's configuration validates the same key.
 */
public final class CacheStatistics {
    public static final String PROPERTY = "hakmem.stats";
    public static final String ENVIRONMENT = "HAKMEM_STATS";
    public static final boolean ENABLED = !"false".equalsIgnoreCase(read());

    private CacheStatistics() {
    }

    private static String read() {
        String value = System.getProperty(PROPERTY);
        return value != null ? value.trim() : System.getenv(ENVIRONMENT);
    }
}
