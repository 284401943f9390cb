package dev.hakmem.cache;

import dev.hakmem.refill.PageMap;
import dev.hakmem.refill.RefillEngine;
import dev.hakmem.refill.Span;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.ArrayList;

/**
 * Finds the cache for the current thread.
 *
 * <ul>
 *   <li><b>Platform threads</b> get a cache of their own, found by thread id: first in a
 *       direct-mapped table, {@code RECENT[id & (length - 1)]}, whose entry is the thread's if its
 *       {@link ThreadCache#ownerId} and {@link ThreadCache#registeredIn} match (the entry, two of its
 *       final fields and two compares; the mask lets C2 drop the bounds check); else in a two-level
 *       directory, {@code directory[id >>> 10][id & 1023]}, that holds
 *       every cache. Thread ids are never reused, so a slot belongs to one thread for good. Both are
 *       cheaper than a {@code ThreadLocal}, whose weak-key probe C2 does not always inline. A thread
 *       whose table entry another live thread holds takes the directory every time: correct, a few
 *       loads slower.</li>
 *   <li><b>Virtual threads</b> share a fixed set of striped caches (twice the processors by
 *       default): a million virtual threads cost no more than that. A virtual thread holds a stripe
 *       for one operation, taken with a CAS and given back with a release store, so if it is
 *       unmounted mid-operation the stripe simply stays held and others take another one.</li>
 *   <li><b>Dead threads</b>: every cache is registered with a weak reference to its thread. Each new
 *       registration retires a few dead entries (round robin), so a churn of short-lived threads
 *       cannot pile up caches: their blocks go back to their spans, their spans to the orphanage
 *       or their chunks. Retiring happens after {@code isAlive()} returned false, which orders
 *       everything the dead thread did before it (JLS 17.4.4).</li>
 * </ul>
 * The directory and its pages are written only under the registry's lock; a thread reads its own
 * slot, which only it (or, once it is dead, the sweeper) writes.
 */
public final class ThreadCaches {
    private static final int SWEEP_PER_REGISTRATION = 4;
    private static final int PAGE_BITS = 10;
    private static final int PAGE_MASK = (1 << PAGE_BITS) - 1;
    private static final long STRIPE_RECHECK_NANOS = 200_000;
    private static final int RECENT_SLOTS = 1024;
    /**
     * One table per JVM, like the page map's radix: a {@code static final} array is a constant to the
     * JIT, where a table per instance costs two more dependent loads before every allocation (C2
     * does not treat final instance fields as constants, even in a constant object). A thread of
     * one allocator instance whose slot another instance's cache holds takes the directory. An entry
     * is written under the lock of the instance it belongs to and read racily: a hit is checked
     * against final fields only.
     */
    private static final ThreadCache[] RECENT = new ThreadCache[RECENT_SLOTS];
    private static final VarHandle RECENT_SLOT = MethodHandles.arrayElementVarHandle(ThreadCache[].class);

    /** {@link #release} results: the values of {@code HakmemAllocator.release}'s, which the facade returns as they are. */
    public static final int RELEASED = 0;
    public static final int FOREIGN = 1;
    public static final int NOT_A_LIVE_BLOCK = 2;

    private final RefillEngine engine;
    private final PageMap pageMap;
    private final int prewarmBytes;
    private final ThreadCache[] stripes;
    /** Virtual threads that found every stripe held wait here, parked, instead of spinning (see {@link #acquireStripe}). */
    private final ReentrantLock stripeWait = new ReentrantLock();
    private final Condition stripeReleased = stripeWait.newCondition();
    private volatile int stripeWaiters;
    /** Grown by copy under the lock; volatile so a grown directory is seen (a plain load on x86). */
    private volatile ThreadCache[][] directory = new ThreadCache[16][];

    // guarded by registry
    private final ArrayList<Registration> registry = new ArrayList<>();
    private int[] pageOccupancy = new int[16];
    private int sweepCursor;
    private final long[] retiredTotals = new long[6];
    private final SiteCounters retiredSites = new SiteCounters(null);
    /** Where this instance's sampled allocations go ({@link SiteCounters}); read by caches on their cold paths only. */
    final SiteSampling sampling = new SiteSampling();
    private long retiredCaches;

    /**
     * @param stripeCount  caches shared by virtual threads
     * @param prewarmBytes new platform-thread caches pre-fill the classes up to this size; 0 for none
     */
    public ThreadCaches(RefillEngine engine, int stripeCount, int prewarmBytes) {
        if (stripeCount < 1) {
            throw new IllegalArgumentException("stripe count must be at least 1, was " + stripeCount);
        }
        this.engine = engine;
        this.pageMap = engine.pageMap();
        this.prewarmBytes = prewarmBytes;
        this.stripes = new ThreadCache[stripeCount];
        for (int i = 0; i < stripeCount; i++) {
            stripes[i] = new ThreadCache(engine.newHeap(), null, this);
        }
        engine.onPurgerVisit(new IdleTrim(new WeakReference<>(this)));
    }

    /**
     * The purger's hook into these caches, holding them weakly: the engine may outlive them (a test's
     * shared engine under caches made by the million), and must not keep them alive.
     */
    private record IdleTrim(WeakReference<ThreadCaches> caches) implements Runnable {
        @Override
        public void run() {
            ThreadCaches c = caches.get();
            if (c != null) {
                c.trimIdleCaches();
            }
        }
    }

    /**
     * On the purger's thread, after each visit: trims every cache (platform thread's or stripe) that
     * has taken no cold path for the dirty decay, once per idle period ({@link ThreadCache#trimWhileHeld}):
     * what a trim gives back is free pages (its spare spans' and its spans' wholly free ones), the
     * same memory, and the same refault cost when wanted again, as the engine's dirty pages.
     * A cache held right now (its owner in a cold path, a stripe in use) is left for the next visit.
     * The registry's lock is held only to copy the list: a trim takes the engine's lock, and a
     * retirement under the registry's lock takes a cache's hold.
     */
    void trimIdleCaches() {
        trimIdleCaches(System.nanoTime(), engine.dirtyDecayMillis() * 1_000_000L);
    }

    /** As {@link #trimIdleCaches()}, as if at {@code nowNanos} with a decay of {@code decayNanos}: for tests. */
    void trimIdleCaches(long now, long decayNanos) {
        ThreadCache[] live;
        synchronized (registry) {
            live = new ThreadCache[registry.size()];
            for (int i = 0; i < live.length; i++) {
                live[i] = registry.get(i).cache;
            }
        }
        for (ThreadCache cache : live) {
            if (cache.idleForTrim(now, decayNanos) && cache.tryAcquire()) {
                try {
                    cache.trimWhileHeld();
                } finally {
                    cache.releaseHold();
                }
            }
        }
        for (ThreadCache stripe : stripes) {
            if (stripe.idleForTrim(now, decayNanos) && stripe.tryAcquire()) {
                try {
                    stripe.trimWhileHeld();
                } finally {
                    releaseStripe(stripe);
                }
            }
        }
    }

    /**
     * The cache of {@code thread}, which must be the current thread: its own for a platform thread;
     * for a virtual thread, which never has a slot, this throws and callers use {@link #acquireStripe}.
     */
    public ThreadCache platformCache(Thread thread) {
        ThreadCache cache = ownCache(thread);
        return cache != null ? cache : register(thread);
    }

    /**
     * The current thread's own cache if it has one already: never for a virtual thread, whose id has
     * no slot. The hot path: three plain loads.
     *
     * @return null if the caller must go through {@link #platformCache} or {@link #acquireStripe}
     */
    public ThreadCache ownCache(Thread thread) {
        long id = thread.threadId();
        ThreadCache hit = RECENT[(int) id & (RECENT_SLOTS - 1)];
        if (hit != null && hit.ownerId == id && hit.registeredIn == this) {
            return hit;
        }
        return inDirectory(id);
    }

    private ThreadCache inDirectory(long id) {
        ThreadCache[][] dir = directory;
        long page = id >>> PAGE_BITS;
        if (page < dir.length) {
            ThreadCache[] slots = dir[(int) page];
            if (slots != null) {
                return slots[(int) id & PAGE_MASK];
            }
        }
        return null;
    }

    /**
     * The free hit path: finds the block's span in the page map, checks the block (with
     * {@code hakmem.checks}), ends its site, and pushes it onto the stack the span points at if the
     * calling thread owns the span: no cache lookup on the way. Any other block goes through the
     * calling thread's cache to its owner ({@link ThreadCache#free}). No lock, no atomic and no
     * allocation for a platform thread's own block.
     *
     * @return {@link #RELEASED} (also for address 0), {@link #FOREIGN} (not this engine's memory) or
     *         {@link #NOT_A_LIVE_BLOCK} (an interior pointer or a block not in use; nothing changed)
     */
    public int release(long address) {
        Span span = pageMap.spanOf(address);
        if (span == null) {
            return address == 0 ? RELEASED : FOREIGN; // free(0) is a no-op; page 0 is never a span's
        }
        int index = -1;
        if (HotPathFlags.CHECKS) {
            index = span.liveIndex(address);
            if (index < 0) {
                return NOT_A_LIVE_BLOCK;
            }
            span.endSiteAt(index);
        } else {
            span.endSite(address);
        }
        if (span.isOwnedByThread(Thread.currentThread())) {
            ThreadCache.freeToOwner(span, address, index);
        } else {
            freeReleased(span, address, index);
        }
        return RELEASED;
    }

    private void freeReleased(Span span, long address, int index) {
        Thread thread = Thread.currentThread();
        if (!thread.isVirtual()) {
            platformCache(thread).free(span, address, index);
            return;
        }
        ThreadCache cache = acquireStripe(thread.threadId());
        try {
            cache.free(span, address, index);
        } finally {
            releaseStripe(cache);
        }
    }

    /**
     * For a virtual thread: holds a striped cache until {@link #releaseStripe}. If every stripe is held
     * (their holders may be unmounted mid-operation, e.g. blocked on the engine's lock), the caller
     * parks until one is released. It must not spin: spinning virtual threads keep every carrier busy,
     * and a holder waiting for a carrier to finish its operation would never get one.
     */
    public ThreadCache acquireStripe(long threadId) {
        ThreadCache[] s = stripes;
        int start = (int) Long.remainderUnsigned(threadId, s.length);
        ThreadCache cache = tryAcquireStripe(s, start);
        return cache != null ? cache : awaitStripe(s, start);
    }

    private static ThreadCache tryAcquireStripe(ThreadCache[] s, int start) {
        for (int i = 0; i < s.length; i++) {
            int index = start + i < s.length ? start + i : start + i - s.length;
            ThreadCache cache = s[index];
            if (cache.tryAcquire()) {
                return cache;
            }
        }
        return null;
    }

    private ThreadCache awaitStripe(ThreadCache[] s, int start) {
        boolean interrupted = false;
        stripeWait.lock();
        try {
            stripeWaiters++;
            while (true) {
                ThreadCache cache = tryAcquireStripe(s, start);
                if (cache != null) {
                    return cache;
                }
                try {
                    // a release racing with the waiter count can be missed; the timeout bounds that wait
                    stripeReleased.awaitNanos(STRIPE_RECHECK_NANOS);
                } catch (InterruptedException e) {
                    interrupted = true; // an allocation is not interruptible; the caller keeps the status
                }
            }
        } finally {
            stripeWaiters--;
            stripeWait.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public void releaseStripe(ThreadCache cache) {
        cache.releaseHold();
        if (stripeWaiters != 0) {
            stripeWait.lock();
            try {
                stripeReleased.signal();
            } finally {
                stripeWait.unlock();
            }
        }
    }

    private ThreadCache register(Thread thread) {
        if (thread.isVirtual()) {
            throw new IllegalStateException("virtual threads use striped caches");
        }
        long id = thread.threadId();
        ThreadCache cache = new ThreadCache(engine.newHeap(), thread, this);
        synchronized (registry) {
            sweep(SWEEP_PER_REGISTRATION);
            setSlot(id, cache);
            registry.add(new Registration(new WeakReference<>(thread), id, cache));
        }
        if (prewarmBytes > 0) {
            cache.prewarm(prewarmBytes);
        }
        return cache;
    }

    private void setSlot(long id, ThreadCache cache) {
        int page = Math.toIntExact(id >>> PAGE_BITS);
        ThreadCache[][] dir = directory;
        if (page >= dir.length) {
            int length = Math.max(page + 1, dir.length * 2);
            ThreadCache[][] grown = java.util.Arrays.copyOf(dir, length);
            pageOccupancy = java.util.Arrays.copyOf(pageOccupancy, length);
            directory = grown;
            dir = grown;
        }
        ThreadCache[] slots = dir[page];
        if (slots == null) {
            slots = new ThreadCache[1 << PAGE_BITS];
            dir[page] = slots;
        }
        slots[(int) id & PAGE_MASK] = cache;
        pageOccupancy[page]++;
        int recentSlot = (int) id & (RECENT_SLOTS - 1);
        ThreadCache previous = RECENT[recentSlot];
        if (previous == null || previous.registeredIn != this || !isRegisteredAlive(previous)) {
            RECENT[recentSlot] = cache;
        }
    }

    /** Under the registry's lock: whether {@code cache}'s thread is registered and still running. */
    private boolean isRegisteredAlive(ThreadCache cache) {
        for (Registration r : registry) {
            if (r.cache == cache) {
                Thread thread = r.thread.get();
                return thread != null && thread.isAlive();
            }
        }
        return false;
    }

    private void clearSlot(long id, ThreadCache cache) {
        // a compare-and-set: another registry may be taking this slot for one of its threads
        RECENT_SLOT.compareAndSet(RECENT, (int) id & (RECENT_SLOTS - 1), cache, null);
        int page = (int) (id >>> PAGE_BITS);
        ThreadCache[][] dir = directory;
        dir[page][(int) id & PAGE_MASK] = null;
        if (--pageOccupancy[page] == 0) {
            dir[page] = null; // a page of dead threads' slots: let it go
        }
    }

    /**
     * Gives back everything the virtual threads' stripes hold: cached blocks, pending remote frees,
     * and blocks freed to them. A stripe held by a virtual thread right now is skipped.
     */
    public void flushIdleStripes() {
        // first every stripe's pending frees of other stripes' blocks, so the second pass drains them all
        for (ThreadCache stripe : stripes) {
            if (stripe.tryAcquire()) {
                try {
                    stripe.flushRemoteFrees();
                } finally {
                    stripe.releaseHold();
                }
            }
        }
        for (ThreadCache stripe : stripes) {
            if (stripe.tryAcquire()) {
                try {
                    stripe.flushAll();
                    stripe.heap().releaseSpares();
                } finally {
                    stripe.releaseHold();
                }
            }
        }
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
        Thread thread = Thread.currentThread();
        if (thread.isVirtual()) {
            return;
        }
        synchronized (registry) {
            for (int i = 0; i < registry.size(); i++) {
                if (registry.get(i).threadId == thread.threadId()) {
                    retire(i);
                    return;
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
        clearSlot(gone.threadId, gone.cache);
        ThreadCache cache = gone.cache;
        cache.retire();
        cache.totals(retiredTotals);
        cache.sites().addTo(retiredSites);
        retiredTotals[5] = 0; // a retired cache holds nothing
        retiredCaches++;
    }

    /**
     * Sums the counters of every cache, live or retired. Counters of running threads are read
     * without synchronisation: the totals are exact when the allocator is quiet, and a moment
     * old otherwise. All zero when statistics are off.
     */
    public CacheTotals totals() {
        synchronized (registry) {
            long[] sums = retiredTotals.clone();
            for (Registration r : registry) {
                r.cache.totals(sums);
            }
            for (ThreadCache c : stripes) {
                c.totals(sums);
            }
            if (!HotPathFlags.STATISTICS) {
                java.util.Arrays.fill(sums, 0, 4, 0);
            }
            return new CacheTotals(sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], registry.size(), retiredCaches,
                    stripes.length);
        }
    }

    /** @return where this instance's caches send sampled allocations */
    public SiteSampling sampling() {
        return sampling;
    }

    /**
     * Sums the per-site counters of every cache, live or retired, like {@link #totals()}: exact when
     * the allocator is quiet, a moment old otherwise.
     */
    public SiteCounters siteTotals() {
        synchronized (registry) {
            SiteCounters sums = new SiteCounters(null);
            retiredSites.addTo(sums);
            for (Registration r : registry) {
                r.cache.sites().addTo(sums);
            }
            for (ThreadCache c : stripes) {
                c.sites().addTo(sums);
            }
            return sums;
        }
    }

    private record Registration(WeakReference<Thread> thread, long threadId, ThreadCache cache) {
    }
}
