package dev.hakmem.cache;

import dev.hakmem.refill.PageMap;
import dev.hakmem.refill.RefillEngine;

import java.lang.ref.WeakReference;
import java.util.ArrayList;

/**
 * Finds the cache for the current thread.
 *
 * <ul>
 *   <li><b>Platform threads</b> get a cache of their own through a {@link ThreadLocal}: no atomic.</li>
 *   <li><b>Virtual threads</b> share a fixed set of striped caches (twice the processors by
 *       default): a million virtual threads cost no more than that. A virtual thread holds a stripe
 *       for one operation, taken with a CAS and given back with a release store, so if it is
 *       unmounted mid-operation the stripe simply stays held and others take another one.</li>
 *   <li><b>Dead threads</b>: every cache is registered with a weak reference to its thread. Each new
 *       registration retires a few dead entries (round robin), so a churn of short-lived threads
 *       cannot pile up caches: their blocks go back to their spans, their spans to the orphanage
 *       or their chunks. Retiring happens on the registering thread, after {@code isAlive()} has
 *       returned false, which orders everything the dead thread did before it.</li>
 * </ul>
 */
public final class ThreadCaches {
    private static final int SWEEP_PER_REGISTRATION = 4;

    private final RefillEngine engine;
    private final PageMap pageMap;
    private final int prewarmBytes;
    private final ThreadLocal<ThreadCache> local = ThreadLocal.withInitial(this::register);
    private final ThreadCache[] stripes;

    // guarded by registry
    private final ArrayList<Registration> registry = new ArrayList<>();
    private int sweepCursor;
    private long retiredAllocations;
    private long retiredFrees;
    private long retiredBytesAllocated;
    private long retiredBytesFreed;
    private long retiredCaches;

    /**
     * @param stripeCount  caches shared by virtual threads
     * @param prewarmBytes new platform-thread caches pre-fill the classes up to this size; 0 for none
     */
    public ThreadCaches(RefillEngine engine, PageMap pageMap, int stripeCount, int prewarmBytes) {
        if (stripeCount < 1) {
            throw new IllegalArgumentException("stripe count must be at least 1, was " + stripeCount);
        }
        this.engine = engine;
        this.pageMap = pageMap;
        this.prewarmBytes = prewarmBytes;
        this.stripes = new ThreadCache[stripeCount];
        for (int i = 0; i < stripeCount; i++) {
            stripes[i] = new ThreadCache(engine.newHeap(), pageMap);
        }
    }

    /** The calling platform thread's own cache. Do not call from a virtual thread. */
    public ThreadCache platformCache() {
        return local.get();
    }

    /** For a virtual thread: holds a striped cache until {@link #releaseStripe}. Spins (yielding) if all are held. */
    public ThreadCache acquireStripe(long threadId) {
        ThreadCache[] s = stripes;
        int start = (int) Long.remainderUnsigned(threadId, s.length);
        while (true) {
            for (int i = 0; i < s.length; i++) {
                int index = start + i < s.length ? start + i : start + i - s.length;
                ThreadCache cache = s[index];
                if (cache.tryAcquire()) {
                    return cache;
                }
            }
            Thread.yield(); // every stripe is held by a virtual thread that was unmounted mid-operation
        }
    }

    public void releaseStripe(ThreadCache cache) {
        cache.releaseHold();
    }

    private ThreadCache register() {
        ThreadCache cache = new ThreadCache(engine.newHeap(), pageMap);
        synchronized (registry) {
            sweep(SWEEP_PER_REGISTRATION);
            registry.add(new Registration(new WeakReference<>(Thread.currentThread()), cache));
        }
        if (prewarmBytes > 0) {
            cache.prewarm(prewarmBytes);
        }
        return cache;
    }

    /** Retires every cache whose thread has died. */
    public void sweepAll() {
        synchronized (registry) {
            sweep(registry.size());
        }
    }

    /**
     * Flushes and retires the calling platform thread's cache, for threads that are about to go
     * idle for a long time (a pool shrinking). The thread gets a new cache if it allocates again.
     */
    public void releaseCurrent() {
        if (Thread.currentThread().isVirtual()) {
            return;
        }
        ThreadCache cache = local.get();
        local.remove();
        synchronized (registry) {
            for (int i = 0; i < registry.size(); i++) {
                if (registry.get(i).cache == cache) {
                    retire(i);
                    break;
                }
            }
        }
    }

    private void sweep(int budget) {
        for (int checked = 0; checked < budget && !registry.isEmpty(); checked++) {
            if (sweepCursor >= registry.size()) {
                sweepCursor = 0;
            }
            Thread thread = registry.get(sweepCursor).thread.get();
            if (thread == null || !thread.isAlive()) {
                retire(sweepCursor);
            } else {
                sweepCursor++;
            }
        }
    }

    private void retire(int index) {
        Registration last = registry.removeLast();
        Registration gone = index == registry.size() ? last : registry.set(index, last);
        ThreadCache cache = gone.cache;
        cache.flushAll();
        cache.heap().retire();
        retiredAllocations += cache.allocations;
        retiredFrees += cache.frees;
        retiredBytesAllocated += cache.bytesAllocated;
        retiredBytesFreed += cache.bytesFreed;
        retiredCaches++;
    }

    /**
     * Sums the counters of every cache, live or retired. Counters of running threads are read
     * without synchronisation: the totals are exact when the allocator is quiet, and a moment
     * old otherwise.
     */
    public CacheTotals totals() {
        long allocations;
        long frees;
        long bytesAllocated;
        long bytesFreed;
        int live;
        long cached = 0;
        synchronized (registry) {
            allocations = retiredAllocations;
            frees = retiredFrees;
            bytesAllocated = retiredBytesAllocated;
            bytesFreed = retiredBytesFreed;
            live = registry.size();
            for (Registration r : registry) {
                ThreadCache c = r.cache;
                allocations += c.allocations;
                frees += c.frees;
                bytesAllocated += c.bytesAllocated;
                bytesFreed += c.bytesFreed;
            }
            for (ThreadCache c : stripes) {
                allocations += c.allocations;
                frees += c.frees;
                bytesAllocated += c.bytesAllocated;
                bytesFreed += c.bytesFreed;
            }
            return new CacheTotals(allocations, frees, bytesAllocated, bytesFreed, live, retiredCaches, stripes.length);
        }
    }

    private record Registration(WeakReference<Thread> thread, ThreadCache cache) {
    }
}
