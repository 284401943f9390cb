package dev.hakmem.cache;

import dev.hakmem.refill.LocalHeap;
import dev.hakmem.refill.OwnerCache;
import dev.hakmem.refill.PageMap;
import dev.hakmem.refill.RefillEngine;
import dev.hakmem.refill.RemoteFreeBuffer;
import dev.hakmem.refill.SizeClasses;
import dev.hakmem.refill.Span;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Free blocks of one owner (a platform thread, or a stripe shared by virtual threads): one LIFO
 * stack per size class, on the Java heap, so a hit touches no off-heap memory. Each stack is one
 * {@code long[]} that carries its own count and free counter ({@link CacheStack}), so a hit reads
 * one array:
 * <pre>
 * stacks[c] = [ count | frees | a0 a1 ... a(count-1) | unused ... ]      capacity = length - 2
 *                                            ^ allocate pops here, free pushes here
 * </pre>
 * <b>Hit</b>: array loads and stores. An allocation is a pop and nothing else (it clears the slot
 * it popped, a store to a line it has just read): a block's state byte names the slot it was pushed
 * to, and a block no longer in that slot is handed out ({@link Span#liveIndex}), so only a free
 * writes a state (the free path has the span anyway).
 * With statistics on, one counter increment per free (allocations are derived: see {@link #totals}).
 * No lock, no atomic, no allocation. <b>Miss</b>: hand pending remote frees over,
 * take this heap's remote frees into the stacks, and only if that brought none of the class ask the
 * {@link LocalHeap} for a batch. <b>Overflow</b>: give the older half of the stack back.
 *
 * <p>A cache is used by one thread at a time: its platform thread, or the virtual thread that holds
 * it through {@link #tryAcquire()}.
 *
 * <p><b>Idle caches.</b> An idle owner never reaches a cold path, so memory it caches would stay
 * resident for good. A platform thread therefore takes the same hold ({@code held}) on each of its
 * cold paths (refill, overflow, flush: one CAS on a line it owns, never on a hit), and counts them.
 * The purger's thread, through {@link ThreadCaches}, finds a cache whose count has not moved for the
 * decay, takes the hold with {@link #tryAcquire()} (so the owner's next cold path waits for it, and
 * the hit paths, which never touch the heap, go on) and trims the heap behind it
 * ({@link #trimWhileHeld}): its spare spans go back to their chunks and the pages of its spans that
 * hold only free blocks go back to the OS. The cached blocks themselves stay (the hit paths own the
 * stacks); the owner gives them back at its next cold path, asked by a flag it reads there.
 * A stripe's hold covers whole operations, so a trim of an idle stripe also takes its cached blocks.
 */
public final class ThreadCache implements OwnerCache {
    private static final int COUNT = CacheStack.COUNT;
    private static final int FREES = CacheStack.FREES;
    private static final int FIRST = CacheStack.FIRST;
    /** Shared by every class a cache has not used yet: count 0, capacity 0, never written. */
    private static final long[] UNUSED = new long[FIRST];
    private static final VarHandle HELD;
    private static final VarHandle COLD_PATHS;
    private static final VarHandle TRIM_REQUESTED;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(ThreadCache.class, "held", int.class);
            COLD_PATHS = MethodHandles.lookup().findVarHandle(ThreadCache.class, "coldPaths", int.class);
            TRIM_REQUESTED = MethodHandles.lookup().findVarHandle(ThreadCache.class, "trimRequested", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The id of the platform thread this cache belongs to; -1 for a stripe. */
    final long ownerId;
    /** The registry of the allocator instance this cache serves: a thread has a cache per instance. */
    final ThreadCaches registeredIn;
    private final LocalHeap heap;
    private final RefillEngine engine;
    private final long[][] stacks = new long[SizeClasses.COUNT][];
    /**
     * Per long-lived lane and class, the stack of blocks for long-lived sites (the learner's policy names them), from
     * spans of their own ({@link LocalHeap#refillLongLived}); {@link #UNUSED} until a long-lived site
     * allocates the class. Only the cold path of such an allocation reads it ({@link #placeLongLived}).
     */
    private final long[][][] longLivedStacks = new long[LocalHeap.LONG_LIVED_LANES][SizeClasses.COUNT][];
    /** Set at the first long-lived refill: from then on a drained block's stack is looked up by its span ({@link #accept}). */
    private boolean usesLongLivedStacks;
    private final RemoteFreeBuffer remoteFrees;
    @SuppressWarnings("unused") // through HELD
    private volatile int held;
    /** Cold paths taken so far: written by the user of the cache, read (opaque) by the idle check. */
    @SuppressWarnings("unused") // through COLD_PATHS
    private int coldPaths;
    /** Set (opaque) when an idle trim left cached blocks behind; the owner gives them back at its next cold path. */
    @SuppressWarnings("unused") // through TRIM_REQUESTED
    private boolean trimRequested;
    private boolean retired;
    // the idle check's own, on the purger's thread only
    private int coldPathsSeen = -1;
    private long unchangedSinceNanos;
    private int trimmedAtColdPaths = -1;

    // cold counters, from which allocations are derived
    private final long[] refilled = new long[SizeClasses.COUNT];
    private final long[] flushed = new long[SizeClasses.COUNT];
    private final long[] freedToOthers = new long[SizeClasses.COUNT];
    private final SiteCounters sites;
    private long hugeAllocations;
    private long hugeBytesAllocated;
    private long hugeFrees;
    private long hugeBytesFreed;

    /** @param owner the platform thread this cache belongs to, or null for a stripe */
    ThreadCache(LocalHeap heap, Thread owner, ThreadCaches registeredIn) {
        this.ownerId = owner == null ? -1 : owner.threadId();
        this.registeredIn = registeredIn;
        this.heap = heap;
        this.engine = heap.engine();
        this.remoteFrees = new RemoteFreeBuffer(engine);
        this.sites = new SiteCounters(registeredIn.sampling);
        java.util.Arrays.fill(stacks, UNUSED);
        for (long[][] lane : longLivedStacks) {
            java.util.Arrays.fill(lane, UNUSED);
        }
        heap.bind(owner, this);
    }

    /**
     * @param sizeClass from {@link SizeClasses#classOf}
     * @return the address of a block of that class
     * @throws OutOfMemoryError if the limit or the OS stops it
     */
    public long allocate(int sizeClass) {
        long[] stack = stacks[sizeClass];
        int n = (int) stack[COUNT];
        if (n == 0) {
            return allocateAfterRefill(sizeClass);
        }
        long address = stack[FIRST - 1 + n];
        stack[FIRST - 1 + n] = 0; // see Span.isCached: why a pop clears its slot
        stack[COUNT] = n - 1;
        return address;
    }

    /**
     * As {@link #allocate(int)}, and records {@code siteId} on the block (what its free, a report's
     * live count and a double-free report read) and counts the allocation in this cache's
     * {@link SiteCounters}.
     */
    public long allocate(int sizeClass, int siteId) {
        long[] stack = stacks[sizeClass];
        int n = (int) stack[COUNT];
        if (n == 0) {
            refillOrThrow(sizeClass);
            return allocate(sizeClass, siteId);
        }
        long address = stack[FIRST - 1 + n];
        stack[FIRST - 1 + n] = 0;
        stack[COUNT] = n - 1;
        Span span = PageMap.spanOfCachedBlock(address);
        span.recordAllocation(address, siteId);
        if (sites.allocated(siteId, span.blockSize())) {
            return sampled(address, span, siteId);
        }
        return address;
    }

    /**
     * Off the hot path: a sampled allocation may move its block to another site. Returns the address
     * so that the call is the caller's last act: nothing of {@link #allocate(int, int)} is live across it.
     */
    private long sampled(long address, Span span, int siteId) {
        int lane = sites.lane(siteId);
        if (lane != SiteCounters.SHORT_LIVED) {
            address = placeLongLived(address, span, siteId, lane);
            span = PageMap.spanOfCachedBlock(address);
            if (!sites.sampleDue(siteId)) {
                return address;
            }
        }
        int chosen = sites.sampled(address, siteId, span.blockSize());
        if (chosen != siteId) {
            span.recordAllocation(address, chosen);
        }
        if (registeredIn.sampling.watchesLifetimes()) {
            heap.watchLifetime(address, chosen);
        }
        return address;
    }

    /**
     * A long-lived site's allocation (its counter sends every one here, off the hit path): the block
     * just popped goes back on its stack, and one from the long-lived stack of the class is handed
     * out instead, so long-lived blocks share spans with each other and not with short-lived churn.
     * If the limit leaves no room for a long-lived batch, the popped block is handed out after all.
     */
    private long placeLongLived(long popped, Span span, int siteId, int lane) {
        int sizeClass = span.sizeClass();
        long[] stack = stacks[sizeClass];
        int n = (int) stack[COUNT];
        // undo the pop: the slot it cleared is the one its state still names
        stack[FIRST + n] = popped;
        stack[COUNT] = n + 1;
        span.endSite(popped);
        long[] longStack = longLivedStacks[lane][sizeClass];
        int m = (int) longStack[COUNT];
        if (m == 0) {
            longStack = refillLongLived(lane, sizeClass);
            m = (int) longStack[COUNT];
            if (m == 0) {
                stack[FIRST + n] = 0;
                stack[COUNT] = n;
                span.recordAllocation(popped, siteId);
                return popped;
            }
        }
        long address = longStack[FIRST - 1 + m];
        longStack[FIRST - 1 + m] = 0;
        longStack[COUNT] = m - 1;
        PageMap.spanOfCachedBlock(address).recordAllocation(address, siteId);
        return address;
    }

    private long[] refillLongLived(int lane, int sizeClass) {
        enterColdPath(); // an idle trim may be at this heap's spans: wait for it, as every cold path does
        try {
            usesLongLivedStacks = true;
            int capacity = Math.min(heap.cacheCapacity(sizeClass), CacheStack.MAX_CAPACITY);
            long[] longStack = longLivedStacks[lane][sizeClass];
            if (longStack.length != FIRST + capacity) {
                long[] resized = new long[FIRST + capacity];
                resized[FREES] = longStack[FREES];
                longLivedStacks[lane][sizeClass] = resized;
                heap.stackReplaced(sizeClass);
                longStack = resized;
            }
            int got = heap.refillLongLived(lane, sizeClass, capacity, longStack, FIRST);
            longStack[COUNT] = got;
            refilled[sizeClass] += got;
            return longStack;
        } finally {
            leaveColdPath();
        }
    }

    @Override
    public long[] longLivedStack(int lane, int sizeClass) {
        return lane >= 0 && lane < longLivedStacks.length && sizeClass >= 0 && sizeClass < SizeClasses.COUNT
                ? longLivedStacks[lane][sizeClass] : null;
    }

    private long allocateAfterRefill(int sizeClass) {
        refillOrThrow(sizeClass);
        return allocate(sizeClass);
    }

    /**
     * Enters a cold path: a platform thread takes its cache's hold, waiting while an idle trim holds
     * it (a stripe is held for the whole operation already), and counts the visit.
     */
    private void enterColdPath() {
        if (ownerId >= 0) {
            while (!HELD.compareAndSet(this, 0, 1)) {
                Thread.onSpinWait(); // an idle trim: a few system calls
            }
        }
        COLD_PATHS.setOpaque(this, (int) COLD_PATHS.get(this) + 1);
    }

    private void leaveColdPath() {
        if (ownerId >= 0) {
            HELD.setRelease(this, 0);
        }
    }

    private void refillOrThrow(int sizeClass) {
        enterColdPath();
        try {
            if ((boolean) TRIM_REQUESTED.getOpaque(this)) {
                TRIM_REQUESTED.setOpaque(this, false);
                flushAllHeld(); // what an idle trim could not take: this thread has been idle for the decay
                heap.releaseSpares();
            }
            refillOrThrowHeld(sizeClass);
        } finally {
            leaveColdPath();
        }
    }

    private void refillOrThrowHeld(int sizeClass) {
        int got;
        try {
            got = refill(sizeClass);
        } catch (OutOfMemoryError refused) {
            // the OS refused a chunk: give back what this cache holds (spans may empty, their pages
            // serve this class), then try once more; a second refusal reaches the caller
            flushAllHeld();
            heap.releaseSpares();
            got = refill(sizeClass);
        }
        if (got == 0) {
            // the limit stopped the batch: give back what this cache holds, then try once more
            flushAllHeld();
            if (refill(sizeClass) == 0) {
                throw new OutOfMemoryError(engine.limitMessage(SizeClasses.sizeOf(sizeClass)));
            }
        }
    }

    /** Called with the stack empty. A new capacity from the policy takes effect here (contract B). */
    private int refill(int sizeClass) {
        // whatever a policy asks, a stack's top slot must still fit a block's state byte
        int capacity = Math.min(heap.cacheCapacity(sizeClass), CacheStack.MAX_CAPACITY);
        long[] stack = stacks[sizeClass];
        if (stack.length != FIRST + capacity) {
            long[] resized = new long[FIRST + capacity];
            resized[FREES] = stack[FREES];
            stacks[sizeClass] = resized;
            heap.stackReplaced(sizeClass);
            stack = resized;
        }
        remoteFrees.flush();
        if (heap.longLivedSitesChanged()) {
            sites.reclassify(heap::longLivedLane); // contract B: a new policy's sites apply from a refill on
        }
        // blocks other threads gave back come first, into whichever stacks they belong to
        if (heap.hasRemoteFrees() && heap.drainRemote(this) > 0 && stack[COUNT] > 0) {
            return (int) stack[COUNT];
        }
        int got = heap.refill(sizeClass, capacity, stack, FIRST);
        stack[COUNT] = got;
        refilled[sizeClass] += got;
        return got;
    }

    /**
     * Frees a block the caller has found with {@code pageMap.spanOf} and checked with
     * {@link Span#liveIndex}: into this cache if it is ours (its state becomes its slot), else,
     * marked free ({@link Span#markFree}), to its owner. Sites are not counted here: the caller has
     * turned the block's site entry negative ({@link Span#endSiteAt}), and a site's live blocks are
     * counted from those entries ({@code RefillEngine.tallyLiveSites}).
     *
     * @param index the block's index in its span (unused with {@code hakmem.checks} off)
     */
    void free(Span span, long address, int index) {
        if (span.isOwnedBy(heap)) {
            freeToOwner(span, address, index);
        } else {
            if (HotPathFlags.CHECKS) {
                span.markFree(index);
            }
            freeNotOwned(span, address);
        }
    }

    /**
     * Frees a released block into the cache of the heap that owns its span. The caller is that
     * cache's user: the span's owner thread ({@link Span#isOwnedByThread}), or the holder of the
     * stripe that owns it. The span carries the stack, so the common free finds no cache at all.
     *
     * @param index the block's index in its span, from {@link Span#liveIndex} (unused with
     *              {@code hakmem.checks} off): its state becomes its slot
     */
    static void freeToOwner(Span span, long address, int index) {
        long[] stack = span.ownerStack();
        int n = (int) stack[COUNT];
        // "full" written as the range check of stack[FIRST + n], so C2 keeps a single compare
        if (Integer.compareUnsigned(FIRST + n, stack.length) >= 0) {
            n = ((ThreadCache) span.ownerCache()).flushOlderHalf(span.sizeClass(), stack, n);
        }
        stack[FIRST + n] = address;
        stack[COUNT] = n + 1;
        if (HotPathFlags.CHECKS) {
            span.placedAt(index, FIRST + n);
        }
        if (HotPathFlags.STATISTICS) {
            stack[FREES]++;
        }
    }

    @Override
    public long[] stack(int sizeClass) {
        return sizeClass >= 0 && sizeClass < stacks.length ? stacks[sizeClass] : null;
    }

    /**
     * A remotely freed block of this cache's heap, drained back: kept if its stack has room. The
     * stack is the one its span names ({@link Span#ownerStack}), which for a long-lived span is a
     * long-lived stack: a block in any other stack would read as handed out (its state names a
     * slot of the span's stack), and a second free of it would go unnoticed.
     */
    @Override
    public int accept(int sizeClass, long address) {
        long[] stack = usesLongLivedStacks ? PageMap.spanOfCachedBlock(address).ownerStack() : stacks[sizeClass];
        if (stack == null) {
            return -1;
        }
        int n = (int) stack[COUNT];
        if (n + FIRST >= stack.length) {
            return -1;
        }
        stack[FIRST + n] = address;
        stack[COUNT] = n + 1;
        refilled[sizeClass]++;
        return FIRST + n;
    }

    private void freeNotOwned(Span span, long address) {
        long bytes = span.blockSize();
        int sizeClass = span.sizeClass();
        remoteFrees.add(span, address);
        if (sizeClass == SizeClasses.HUGE) {
            hugeFrees++;
            hugeBytesFreed += bytes;
        } else {
            freedToOthers[sizeClass]++;
        }
    }

    /**
     * One method with its hold taken inside, not a wrapper around a held body: a wrapper is small
     * enough for C2 to inline into {@link #freeToOwner} whatever the branch's frequency, which grows
     * the free hit path's compiled code.
     */
    private int flushOlderHalf(int sizeClass, long[] stack, int n) {
        enterColdPath();
        try {
            remoteFrees.flush();
            int keep = n / 2;
            int give = n - keep;
            heap.flush(sizeClass, stack, FIRST, give);
            System.arraycopy(stack, FIRST + give, stack, FIRST, keep);
            if (HotPathFlags.CHECKS) {
                for (int slot = FIRST; slot < FIRST + keep; slot++) {
                    PageMap.spanOfCachedBlock(stack[slot]).placedAt(stack[slot], slot);
                }
            }
            flushed[sizeClass] += give;
            stack[COUNT] = keep;
            return keep;
        } finally {
            leaveColdPath();
        }
    }

    /** Hands pending frees of other caches' blocks to their owners now. */
    public void flushRemoteFrees() {
        remoteFrees.flush();
    }

    /**
     * Counts a huge block handed out directly by the engine, and its site if not 0.
     *
     * @return the site the block is to carry: {@code siteId}, or the one a sampler chose
     */
    public int countHuge(long address, long bytes, int siteId) {
        hugeAllocations++;
        hugeBytesAllocated += bytes;
        if (siteId != 0 && sites.allocated(siteId, bytes)) {
            return sites.sampled(address, siteId, bytes);
        }
        return siteId;
    }

    SiteCounters sites() {
        return sites;
    }

    /** Gives every cached block back to the heap, hands pending remote frees over, and takes in the heap's. */
    public void flushAll() {
        enterColdPath();
        try {
            flushAllHeld();
        } finally {
            leaveColdPath();
        }
    }

    private void flushAllHeld() {
        remoteFrees.flush();
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            flushStack(c, stacks[c]);
            for (long[][] lane : longLivedStacks) {
                flushStack(c, lane[c]);
            }
        }
        heap.drainRemote();
    }

    /** Fills the stacks of the smallest classes, so a new thread's first allocations hit. */
    public void prewarm(int upToSize) {
        enterColdPath();
        try {
            for (int c = 0; c < SizeClasses.COUNT && SizeClasses.sizeOf(c) <= upToSize; c++) {
                if (stacks[c][COUNT] == 0 && refill(c) == 0) {
                    return; // the limit is near; a pre-warm must never be the reason an allocation fails
                }
            }
        } catch (OutOfMemoryError refused) {
            // nor must the OS refusing a chunk: the allocation that needs one will say so
        } finally {
            leaveColdPath();
        }
    }

    private void flushStack(int sizeClass, long[] stack) {
        int n = (int) stack[COUNT];
        if (n > 0) {
            heap.flush(sizeClass, stack, FIRST, n);
            flushed[sizeClass] += n;
            stack[COUNT] = 0;
        }
    }

    /**
     * Flushes this cache and retires its heap, holding the cache so that an idle trim cannot reach
     * the heap in between. For the registry: a dead thread's cache, or the caller's own.
     */
    void retire() {
        enterColdPath();
        try {
            flushAllHeld();
            heap.retire();
            retired = true;
        } finally {
            leaveColdPath();
        }
    }

    /**
     * The idle check, on the purger's thread: whether no cold path was taken for {@code decayNanos}
     * and this idle period has not been trimmed yet, or other threads have freed blocks of its heap
     * since (a thread blocked for long, a producer gone quiet, keeps receiving frees that only its
     * next refill would take back). A cache that has not been seen before starts its clock now.
     */
    boolean idleForTrim(long nowNanos, long decayNanos) {
        int paths = (int) COLD_PATHS.getOpaque(this);
        if (paths != coldPathsSeen) {
            coldPathsSeen = paths;
            unchangedSinceNanos = nowNanos;
            return false;
        }
        return nowNanos - unchangedSinceNanos >= decayNanos && (trimmedAtColdPaths != paths || heap.hasRemoteFrees());
    }

    /**
     * Trims an idle cache whose hold the caller has taken ({@link #tryAcquire()}): a stripe's cached
     * blocks go back (its hold covers whole operations); a platform thread's stay (its hit paths own
     * the stacks) and it is asked to give them back at its next cold path, while the blocks other
     * threads freed to its heap go back to their spans now (the heap is the hold's; the frees this
     * thread gathered for other heaps stay, they are its free path's). Then the heap's spare spans go
     * back to their chunks and its spans' pages that hold only free blocks go back to the OS. A trim
     * again in the same idle period, for frees that arrived since, does the same.
     *
     * @return the bytes purged inside the heap's spans
     */
    long trimWhileHeld() {
        if (retired) {
            return 0;
        }
        trimmedAtColdPaths = coldPathsSeen;
        if (ownerId < 0) {
            flushAllHeld();
        } else {
            if (cachedBlocks() > 0) {
                TRIM_REQUESTED.setOpaque(this, true);
            }
            heap.drainRemote();
        }
        heap.restartCarving();
        heap.releaseSpares();
        return heap.purgeFreePages();
    }

    private int cachedBlocks() {
        int n = 0;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            n += cached(c);
        }
        return n;
    }

    public int cached(int sizeClass) {
        long n = stacks[sizeClass][COUNT];
        for (long[][] lane : longLivedStacks) {
            n += lane[sizeClass][COUNT];
        }
        return (int) n;
    }

    public LocalHeap heap() {
        return heap;
    }

    /**
     * Adds this cache's counters to {@code into}: allocations, frees, bytes allocated, bytes freed,
     * frees of blocks other caches own (including huge blocks), bytes cached now. Allocations of a class are derived from what
     * flowed through its stack: {@code refilled + pushed by own frees - flushed - still cached}.
     * Read without synchronisation from another thread, the figures may be a moment old.
     */
    void totals(long[] into) {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            long[] stack = stacks[c];
            long ownFrees = stack[FREES];
            long cachedNow = stack[COUNT];
            for (long[][] lane : longLivedStacks) {
                ownFrees += lane[c][FREES];
                cachedNow += lane[c][COUNT];
            }
            long allocations = refilled[c] + ownFrees - flushed[c] - cachedNow;
            long frees = ownFrees + freedToOthers[c];
            long size = SizeClasses.sizeOf(c);
            into[0] += allocations;
            into[1] += frees;
            into[2] += allocations * size;
            into[3] += frees * size;
            into[4] += freedToOthers[c];
            into[5] += cachedNow * size;
        }
        into[0] += hugeAllocations;
        into[1] += hugeFrees;
        into[2] += hugeBytesAllocated;
        into[3] += hugeBytesFreed;
        into[4] += hugeFrees;
    }

    boolean tryAcquire() {
        return (int) HELD.getOpaque(this) == 0 && HELD.compareAndSet(this, 0, 1);
    }

    void releaseHold() {
        HELD.setRelease(this, 0);
    }
}
