package dev.hakmem.cache;

import dev.hakmem.refill.LocalHeap;
import dev.hakmem.refill.PageMap;
import dev.hakmem.refill.RefillEngine;
import dev.hakmem.refill.SizeClasses;
import dev.hakmem.refill.Span;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Free blocks of one owner (a platform thread, or a stripe shared by virtual threads), one LIFO
 * stack of addresses per size class. The stacks live on the Java heap, so a hit touches no
 * off-heap memory at all:
 * <pre>
 * stacks[c] = [ a0 a1 a2 ... a(n-1) | unused ... ]     n = counts[c] &lt;= capacities[c]
 *                                 ^ allocate pops here, free pushes here
 * </pre>
 * <b>Hit</b> (allocate with n &gt; 0, or free of an own block with n &lt; capacity): array loads and
 * stores, the page-map lookup that keeps the block's state byte, plain counters. No lock, no
 * atomic, no allocation. <b>Miss</b>: ask the {@link LocalHeap} for a batch (which drains remote
 * frees first). <b>Overflow</b>: give the older half of the stack back.
 *
 * <p>A cache is used by one thread at a time: its platform thread, or the virtual thread that holds
 * it through {@link #tryAcquire()}.
 */
public final class ThreadCache {
    private static final VarHandle HELD;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(ThreadCache.class, "held", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final LocalHeap heap;
    private final RefillEngine engine;
    private final PageMap pageMap;
    private final long[][] stacks = new long[SizeClasses.COUNT][];
    private final int[] counts = new int[SizeClasses.COUNT];
    private final int[] capacities = new int[SizeClasses.COUNT];
    @SuppressWarnings("unused") // through HELD
    private volatile int held;

    long allocations;
    long frees;
    long bytesAllocated;
    long bytesFreed;

    ThreadCache(LocalHeap heap, PageMap pageMap) {
        this.heap = heap;
        this.engine = heap.engine();
        this.pageMap = pageMap;
    }

    /**
     * @param sizeClass from {@link SizeClasses#classOf}
     * @return the address of a block of that class
     * @throws OutOfMemoryError if the limit or the OS stops it
     */
    public long allocate(int sizeClass) {
        int n = counts[sizeClass];
        if (n == 0) {
            return allocateAfterRefill(sizeClass);
        }
        long address = stacks[sizeClass][--n];
        counts[sizeClass] = n;
        pageMap.spanOf(address).markAllocated(address);
        if (CacheStatistics.ENABLED) {
            allocations++;
            bytesAllocated += SizeClasses.sizeOf(sizeClass);
        }
        return address;
    }

    private long allocateAfterRefill(int sizeClass) {
        if (refill(sizeClass) == 0) {
            // the limit stopped the batch: give back what this cache holds, then try once more
            flushAll();
            if (refill(sizeClass) == 0) {
                throw new OutOfMemoryError(engine.limitMessage(SizeClasses.sizeOf(sizeClass)));
            }
        }
        return allocate(sizeClass);
    }

    private int refill(int sizeClass) {
        int capacity = heap.cacheCapacity(sizeClass);
        long[] stack = stacks[sizeClass];
        if (stack == null || stack.length < capacity) {
            long[] grown = new long[capacity];
            if (stack != null) {
                System.arraycopy(stack, 0, grown, 0, counts[sizeClass]);
            }
            stacks[sizeClass] = grown;
            stack = grown;
        }
        capacities[sizeClass] = capacity;
        int got = heap.refill(sizeClass, stack, Math.min(capacity, stack.length));
        counts[sizeClass] = got;
        return got;
    }

    /**
     * Frees a block the caller has found with {@code pageMap.spanOf} and released with
     * {@link Span#release}: into this cache if it is ours, else to its owner.
     */
    public void free(Span span, long address) {
        if (span.isOwnedBy(heap)) {
            int sizeClass = span.sizeClass();
            int n = counts[sizeClass];
            if (n >= capacities[sizeClass]) {
                n = flushOlderHalf(sizeClass, n);
            }
            stacks[sizeClass][n] = address;
            counts[sizeClass] = n + 1;
        } else {
            engine.freeNotOwned(span, address);
        }
        if (CacheStatistics.ENABLED) {
            frees++;
            bytesFreed += span.blockSize();
        }
    }

    private int flushOlderHalf(int sizeClass, int n) {
        long[] stack = stacks[sizeClass];
        int keep = capacities[sizeClass] / 2;
        int give = n - keep;
        heap.flush(sizeClass, stack, 0, give);
        System.arraycopy(stack, give, stack, 0, keep);
        counts[sizeClass] = keep;
        return keep;
    }

    /** Counts a huge block handed out directly by the engine. */
    public void countHuge(long bytes) {
        if (CacheStatistics.ENABLED) {
            allocations++;
            bytesAllocated += bytes;
        }
    }

    /** Gives every cached block back to the heap, and takes in the heap's remote frees. */
    public void flushAll() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            int n = counts[c];
            if (n > 0) {
                heap.flush(c, stacks[c], 0, n);
                counts[c] = 0;
            }
        }
        heap.drainRemote();
    }

    /** Fills the stacks of the smallest classes up to one batch, so a new thread's first allocations hit. */
    public void prewarm(int upToSize) {
        for (int c = 0; c < SizeClasses.COUNT && SizeClasses.sizeOf(c) <= upToSize; c++) {
            if (counts[c] == 0 && refill(c) == 0) {
                return; // the limit is near; a pre-warm must never be the reason an allocation fails
            }
        }
    }

    public int cached(int sizeClass) {
        return counts[sizeClass];
    }

    public LocalHeap heap() {
        return heap;
    }

    boolean tryAcquire() {
        return (int) HELD.getOpaque(this) == 0 && HELD.compareAndSet(this, 0, 1);
    }

    void releaseHold() {
        HELD.setRelease(this, 0);
    }
}
