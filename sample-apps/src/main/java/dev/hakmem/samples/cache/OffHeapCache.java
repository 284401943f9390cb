package dev.hakmem.samples.cache;

import dev.hakmem.samples.common.Args;
import sun.misc.Unsafe;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A key-value cache that keeps its values off the heap, in blocks from {@code Unsafe.allocateMemory}
 * (as OHC and Chronicle Map do), with the index on the heap: 16 segments, each a lock and an LRU
 * {@link LinkedHashMap} from key to block address, bounded in bytes (least recently used entries are
 * evicted and freed). A put of a new key allocates a block on the insert path; a put of an existing key
 * allocates the new version on the update path and frees the old one. {@code --leak} plants the bug
 * this sample exists to show: the update path forgets to free the old block.
 *
 * <pre>
 * block: | length (int) | checksum (int, Arrays.hashCode of the value) | value bytes ... |
 * </pre>
 * The blocks are read and written through {@code MemorySegment.NULL.reinterpret(Long.MAX_VALUE)} (the
 * jar's manifest grants native access), so {@code Unsafe} is used for allocation only.
 *
 * <p>The built-in workload: {@code --threads} threads for {@code --seconds} (or {@code --ops} operations
 * in all, whichever comes first), 70% gets, 25% puts, 5% removes, 80% of them on a fifth of the keys,
 * values of 32 to 512 bytes whose content each get checks. Then the cache is cleared, freeing every
 * entry, and the JVM exits.
 */
public final class OffHeapCache {
    static final String USAGE = """
            usage: java -jar offheap-cache.jar [--size BYTES] [--seconds N] [--ops N] [--threads N] [--keys N] [--leak]
              --size BYTES   capacity in bytes, k/m/g allowed (default 16m); least recently used entries are evicted
              --seconds N    run the built-in workload for N seconds (default 10)
              --ops N        stop the workload after N operations in all (default 4000000)
              --threads N    workload threads (default 2)
              --keys N       distinct keys (default 200000)
              --leak         the update path forgets to free the old block (the bug to find)
              --linger N     stay N seconds after clearing the cache, before exiting (default 0; for RSS sampling)
            (not a server: no port; the workload runs in this JVM)""";
    private static final Unsafe UNSAFE = theUnsafe();
    private static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final int HEADER = 8;
    private static final int SEGMENTS = 16;
    private static final int MIN_VALUE = 32;
    private static final int MAX_VALUE = 512;

    private final Segment[] segments = new Segment[SEGMENTS];
    private final boolean leak;

    OffHeapCache(long capacity, boolean leak) {
        this.leak = leak;
        for (int i = 0; i < SEGMENTS; i++) {
            segments[i] = new Segment(capacity / SEGMENTS);
        }
    }

    public static void main(String[] args) throws Exception {
        Args a = Args.parse(args, Set.of("leak"), Set.of("size", "seconds", "ops", "threads", "keys", "linger"), USAGE);
        long capacity = a.number("size", 16 << 20, 64 << 10, 64L << 30);
        int seconds = a.integer("seconds", 10, 1, 86_400);
        long ops = a.number("ops", 4_000_000, 1, Long.MAX_VALUE);
        int threads = a.integer("threads", 2, 1, 64);
        int keys = a.integer("keys", 200_000, 1, 100_000_000);
        boolean leak = a.flag("leak");
        int linger = a.integer("linger", 0, 0, 3600);

        OffHeapCache cache = new OffHeapCache(capacity, leak);
        System.out.printf("offheap-cache: %d MiB in %d segments, %,d keys, %d threads, up to %d s or %,d operations%s%n",
                capacity >> 20, SEGMENTS, keys, threads, seconds, ops, leak ? "; --leak: the update path forgets to free the old block" : "");
        Workload.Result result = new Workload(cache, keys, threads, ops, TimeUnit.SECONDS.toNanos(seconds)).run();
        System.out.println("offheap-cache: " + result);
        System.out.printf("offheap-cache: %,d entries, %,d bytes in blocks, %,d evictions at the end of the workload%n",
                cache.entries(), cache.bytes(), cache.evictions());
        long freed = cache.clear();
        System.out.printf("offheap-cache: cleared: freed %,d entries%n", freed);
        if (linger > 0) {
            System.out.printf("offheap-cache: lingering %d s%n", linger);
            Thread.sleep(TimeUnit.SECONDS.toMillis(linger));
        }
        if (result.errors() > 0) {
            System.exit(1);
        }
    }

    /** Stores {@code value} under {@code key}: the insert path for a new key, the update path for a known one. */
    void put(String key, byte[] value) {
        Segment segment = segmentOf(key);
        segment.lock.lock();
        try {
            Long old = segment.index.get(key);
            if (old == null) {
                insert(segment, key, value);
            } else {
                update(segment, key, old, value);
            }
            segment.evict();
        } finally {
            segment.lock.unlock();
        }
    }

    private static void insert(Segment segment, String key, byte[] value) {
        long block = UNSAFE.allocateMemory(HEADER + value.length); // site:insert-block
        write(block, value);
        segment.index.put(key, block);
        segment.bytes += HEADER + value.length;
    }

    private void update(Segment segment, String key, long old, byte[] value) {
        long block = UNSAFE.allocateMemory(HEADER + value.length); // site:update-block
        write(block, value);
        segment.index.put(key, block);
        segment.bytes += value.length - length(old);
        if (!leak) {
            UNSAFE.freeMemory(old);
        }
        // with --leak the old version's block is never freed: no one holds its address any more
    }

    /** A copy of the value under {@code key}, or null; fails if the block's checksum does not match. */
    byte[] get(String key) {
        Segment segment = segmentOf(key);
        segment.lock.lock();
        try {
            Long block = segment.index.get(key);
            if (block == null) {
                return null;
            }
            byte[] value = new byte[length(block)];
            MemorySegment.copy(MEMORY, ValueLayout.JAVA_BYTE, block + HEADER, value, 0, value.length);
            if (Arrays.hashCode(value) != MEMORY.get(ValueLayout.JAVA_INT_UNALIGNED, block + 4)) {
                throw new IllegalStateException("the block of " + key + " is corrupt");
            }
            return value;
        } finally {
            segment.lock.unlock();
        }
    }

    boolean remove(String key) {
        Segment segment = segmentOf(key);
        segment.lock.lock();
        try {
            Long block = segment.index.remove(key);
            if (block == null) {
                return false;
            }
            segment.bytes -= HEADER + length(block);
            UNSAFE.freeMemory(block); // site:remove-free
            return true;
        } finally {
            segment.lock.unlock();
        }
    }

    /** Frees every entry; returns how many there were. */
    long clear() {
        long freed = 0;
        for (Segment segment : segments) {
            segment.lock.lock();
            try {
                for (long block : segment.index.values()) {
                    UNSAFE.freeMemory(block); // site:clear-free
                    freed++;
                }
                segment.index.clear();
                segment.bytes = 0;
            } finally {
                segment.lock.unlock();
            }
        }
        return freed;
    }

    long entries() {
        return Arrays.stream(segments).mapToLong(s -> locked(s, () -> (long) s.index.size())).sum();
    }

    long bytes() {
        return Arrays.stream(segments).mapToLong(s -> locked(s, () -> s.bytes)).sum();
    }

    long evictions() {
        return Arrays.stream(segments).mapToLong(s -> locked(s, () -> s.evictions)).sum();
    }

    private static long locked(Segment segment, java.util.function.LongSupplier read) {
        segment.lock.lock();
        try {
            return read.getAsLong();
        } finally {
            segment.lock.unlock();
        }
    }

    private Segment segmentOf(String key) {
        int h = key.hashCode();
        return segments[(h ^ (h >>> 16)) & (SEGMENTS - 1)];
    }

    private static void write(long block, byte[] value) {
        MEMORY.set(ValueLayout.JAVA_INT_UNALIGNED, block, value.length);
        MEMORY.set(ValueLayout.JAVA_INT_UNALIGNED, block + 4, Arrays.hashCode(value));
        MemorySegment.copy(value, 0, MEMORY, ValueLayout.JAVA_BYTE, block + HEADER, value.length);
    }

    private static int length(long block) {
        return MEMORY.get(ValueLayout.JAVA_INT_UNALIGNED, block);
    }

    private static Unsafe theUnsafe() {
        try {
            Field field = Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return (Unsafe) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no sun.misc.Unsafe", e);
        }
    }

    /** One lock, one LRU index, a byte bound. */
    private static final class Segment {
        final ReentrantLock lock = new ReentrantLock();
        final LinkedHashMap<String, Long> index = new LinkedHashMap<>(1024, 0.75f, true);
        final long capacity;
        long bytes;
        long evictions;

        Segment(long capacity) {
            this.capacity = capacity;
        }

        /** Frees least recently used entries until the segment fits its capacity. */
        void evict() {
            Iterator<Map.Entry<String, Long>> eldest = index.entrySet().iterator();
            while (bytes > capacity && eldest.hasNext()) {
                long block = eldest.next().getValue();
                eldest.remove();
                bytes -= HEADER + length(block);
                UNSAFE.freeMemory(block); // site:evict-free
                evictions++;
            }
        }
    }

    /** The built-in load: threads doing gets, puts and removes on skewed keys, checking every value read. */
    private record Workload(OffHeapCache cache, int keys, int threads, long ops, long nanos) {
        record Result(long operations, double seconds, long hits, long misses, long puts, long removes, long errors) {
            @Override
            public String toString() {
                return String.format("%,d operations in %.1f s (%,.0f ops/s): %,d gets (%.0f%% hits), %,d puts, %,d removes, %d errors",
                        operations, seconds, operations / seconds, hits + misses, 100.0 * hits / Math.max(1, hits + misses), puts, removes,
                        errors);
            }
        }

        Result run() throws InterruptedException {
            long[][] counts = new long[threads][5];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long start = System.nanoTime();
            long deadline = start + nanos;
            List<Thread> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long[] mine = counts[t];
                long quota = ops / threads + (t < ops % threads ? 1 : 0);
                running.add(Thread.ofPlatform().name("workload-" + t).start(() -> {
                    try {
                        work(mine, quota, deadline);
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread thread : running) {
                thread.join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] sum = new long[5];
            for (long[] c : counts) {
                for (int i = 0; i < 5; i++) {
                    sum[i] += c[i];
                }
            }
            if (failure.get() != null) {
                failure.get().printStackTrace();
            }
            return new Result(sum[0] + sum[1] + sum[2] + sum[3], seconds, sum[0], sum[1], sum[2], sum[3], failure.get() == null ? 0 : 1);
        }

        private void work(long[] counts, long quota, long deadline) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (long done = 0; done < quota; done++) {
                if ((done & 1023) == 0 && System.nanoTime() > deadline) {
                    return;
                }
                int k = random.nextInt(100) < 80 ? random.nextInt(Math.max(1, keys / 5)) : random.nextInt(keys);
                String key = "key-" + k;
                int op = random.nextInt(100);
                if (op < 70) {
                    byte[] value = cache.get(key);
                    if (value == null) {
                        counts[1]++;
                    } else {
                        check(k, value);
                        counts[0]++;
                    }
                } else if (op < 95) {
                    cache.put(key, value(k, MIN_VALUE + random.nextInt(MAX_VALUE - MIN_VALUE + 1)));
                    counts[2]++;
                } else {
                    cache.remove(key);
                    counts[3]++;
                }
            }
        }

        private static byte[] value(int key, int length) {
            byte[] value = new byte[length];
            for (int i = 0; i < length; i++) {
                value[i] = (byte) (key + i);
            }
            return value;
        }

        private static void check(int key, byte[] value) {
            if (value.length < MIN_VALUE || value.length > MAX_VALUE || value[0] != (byte) key
                    || value[value.length - 1] != (byte) (key + value.length - 1)) {
                throw new IllegalStateException("key-" + key + " holds a value that is not its own");
            }
        }
    }
}
