package dev.hakmem.refill;

import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * A bounded set of address ranges kept for reuse (freed huge mappings, retained huge mappings,
 * retained chunks), most recent first. A request takes back the smallest range that holds it and
 * wastes at most half; past the bounds, the oldest go to {@code evict}. Guarded by the engine's lock.
 */
final class RangeCache<T> {
    private final ArrayDeque<T> entries = new ArrayDeque<>();
    private final ToLongFunction<T> bytesOf;
    private final int maxEntries;
    private final long maxBytes;
    private final Consumer<T> evict;
    private long bytes;

    RangeCache(ToLongFunction<T> bytesOf, int maxEntries, long maxBytes, Consumer<T> evict) {
        this.bytesOf = bytesOf;
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.evict = evict;
    }

    void add(T entry) {
        entries.addFirst(entry);
        bytes += bytesOf.applyAsLong(entry);
        while (entries.size() > maxEntries || bytes > maxBytes) {
            evict.accept(removeOldest());
        }
    }

    /** Removes and returns the smallest range of {@code wanted} bytes to twice that, or null. */
    T takeFitting(long wanted) {
        T best = null;
        long bestSize = Long.MAX_VALUE;
        for (T candidate : entries) {
            long size = bytesOf.applyAsLong(candidate);
            if (size >= wanted && size <= 2 * wanted && size < bestSize) {
                best = candidate;
                bestSize = size;
            }
        }
        if (best != null) {
            entries.remove(best);
            bytes -= bestSize;
        }
        return best;
    }

    /** Hands every range to {@code evict}, oldest first. */
    void evictAll() {
        while (!entries.isEmpty()) {
            evict.accept(removeOldest());
        }
    }

    private T removeOldest() {
        T oldest = entries.removeLast();
        bytes -= bytesOf.applyAsLong(oldest);
        return oldest;
    }

    int size() {
        return entries.size();
    }

    long bytes() {
        return bytes;
    }
}
