package dev.hakmem.refill;

import dev.hakmem.refill.spi.EventKind;
import dev.hakmem.refill.spi.EventRing;
import dev.hakmem.refill.spi.Policy;
import dev.hakmem.refill.spi.PolicySource;
import dev.hakmem.refill.os.Mapping;
import dev.hakmem.refill.os.OsMemory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;

/**
 * The shared back end behind every {@link LocalHeap}: chunks from the OS, spans out of chunks, huge
 * mappings, the page map, the limit, and the spans of heaps whose thread has gone (orphans).
 *
 * <p>Everything here is the cold path and runs under the engine's monitor, except the limit
 * counter (one CAS per batch) and {@link #spanOf}, which reads the page map without a lock.
 * Chunks grow geometrically, by what they already map: a new chunk has an eighth of the bytes the
 * chunks mapped now hold, at least {@code init}, and at most {@code init << min(n - 1, growthLevels)}
 * (capped at {@code max}) for the n-th chunk mapped while {@code n - 1} are (see {@link #nextChunkBytes});
 * empty chunks go back to the
 * OS once they have been empty for the chunk decay (the policy's, which a learner adapts, else
 * {@code chunkDecayMillis}; checked whenever a span is released, and by the {@link ChunkPurger} when
 * the engine is quiet), except
 * {@code retainedEmptyChunks} of them; {@link #trim()} gives back every empty chunk at once.
 *
 * <p>Inside chunks that stay, pages a span gave back are dirty (resident) until they have been free
 * for the dirty decay ({@link #dirtyDecayMillis}: {@code dirtyDecayMillis}, at most the chunk decay in
 * force); then the {@link ChunkPurger} gives their memory back ({@link OsMemory#purge},
 * {@code madvise(MADV_DONTNEED)} on the mmap route; other routes cannot, see {@link OsMemory#purges})
 * in runs of contiguous pages, outside the lock, while the pages stay in their chunk and in the page
 * map: a late double free there is still reported. New spans take dirty pages first. With a decay of
 * 0 there is no purger, and only {@link #trim()} purges.
 */
public final class RefillEngine implements AutoCloseable {
    private static final VarHandle BYTES_IN_USE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            BYTES_IN_USE = lookup.findVarHandle(RefillEngine.class, "bytesInUse", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final RefillSettings settings;
    private final ScheduledFuture<?> purger;
    private final OsMemory os;
    private final PageMap pageMap = new PageMap();
    /** Huge spans handed out and not yet freed (guarded by this), so that closing can unregister them. */
    private final Set<Span> hugeInUse = Collections.newSetFromMap(new IdentityHashMap<>());
    private final EventRing events;
    private final PolicySource policy;
    /** Owner of spans whose heap was retired while they still had blocks out; guarded by this. */
    final LocalHeap orphanage;
    /**
     * Orphaned spans with free blocks, per kind (0 for ordinary spans, {@code 1 + lane} for a
     * long-lived lane's) and class, linked through the spans' list fields (which their retired heap
     * no longer uses); guarded by this. A refill adopts one before it carves a new span: without
     * that, a span that a dying thread left partly used was never carved again, and under thread
     * churn those spans were most of the memory held beyond the live blocks
     * (benchmarks/reports/2026-12-04-orphan-adoption.md).
     */
    private final Span[][] orphansWithFree = new Span[1 + LocalHeap.LONG_LIVED_LANES][SizeClasses.COUNT];
    private int orphanSpans;
    private long orphansAdopted;

    private final List<Chunk> chunks = new ArrayList<>();
    /**
     * Freed huge blocks whose mapping is kept for reuse. They stay in the page map, marked free, so a
     * second free of one is recognised as a double free (and not taken for a foreign address, which
     * the agent would pass to the JDK's free); they leave it when their mapping is reused or unmapped.
     */
    private final RangeCache<Span> hugeCache;
    /**
     * How much of a huge block {@link RefillSettings#freshFill} covers: its start, where a write
     * after free is likeliest (headers, lengths), at a cost that does not grow with the block.
     */
    public static final long FRESH_FILL_HUGE_BYTES = 64 * 1024;
    /** Address space kept by each of {@link #retainedHuge} and {@link #retainedChunks}: far below the 128 TiB of a 47-bit user space. */
    private static final long RETAINED_MAX_BYTES = 1L << 40;
    private static final int RETAINED_MAX_ENTRIES = 4096;
    /**
     * Dirty pages beyond what recent demand explains go back after this fraction of the dirty decay
     * (see {@link #dirtyCutoff}): a quarter, 250 ms of the default 1 s.
     */
    static final int SURPLUS_DECAY_DIVISOR = 4;
    /** Ages into which {@link #dirtyCutoff} sorts the surplus candidates: the oldest go first, to within 1/64 of their window. */
    private static final int AGE_BUCKETS = 64;
    /** {@link #dirtyCutoff}'s histogram, kept so a visit allocates nothing; guarded by this. */
    private final long[] pagesByAge = new long[AGE_BUCKETS];
    /** Visits remembered for the demand window: 64 cover 32 s at the purger's slowest pace, 16 s at 250 ms. */
    private static final int VISIT_HISTORY = 64;
    /**
     * Huge spans past the cache whose memory went back to the OS while their addresses stay reserved
     * (routes that can: {@link OsMemory#retain}). They stay in the page map, marked free, so a late
     * double free of one is reported instead of reaching another allocator's free() (the agent hands
     * foreign addresses to the JDK's malloc); a huge allocation of a fitting size reuses one.
     */
    private final RangeCache<Span> retainedHuge =
            new RangeCache<>(span -> span.blockSize, RETAINED_MAX_ENTRIES, RETAINED_MAX_BYTES, this::unmapRetainedHuge);
    /**
     * Empty chunks whose memory went back to the OS while their addresses stay reserved, as
     * {@link #retainedHuge}: their pages keep their vacant page-map entries, so a late double free
     * of a block that lived there is still reported; a new chunk of a fitting size reuses one.
     */
    private final RangeCache<Chunk> retainedChunks =
            new RangeCache<>(Chunk::bytes, RETAINED_MAX_ENTRIES, RETAINED_MAX_BYTES, this::unmapRetainedChunk);
    private long mappedBytes;
    private long hugeBytes;
    private int liveSpans;
    private int liveHugeSpans;
    private long chunksMapped;
    private long chunksUnmapped;
    private long orphanFrees;
    private boolean closed;
    /** Purges running outside the lock now; {@link #close()} waits for them before unmapping. */
    private int purgesInFlight;
    private volatile Runnable orphanPurgeHook;
    private long purgedBytes;
    private long purgeCalls;
    /** Pages held by small spans now (guarded by this): the demand that dirty pages are kept for. */
    private long pagesInSpans;
    /** The most {@link #pagesInSpans} since the purger's last visit. */
    private long peakPagesSinceVisit;
    /** Per recent visit of the purger (a ring, guarded by this): when, and the peak of pages in spans before it. */
    private final long[] visitNanos = new long[VISIT_HISTORY];
    private final long[] visitPeakPages = new long[VISIT_HISTORY];
    private int visits;
    /** Run after each of the purger's visits: the thread caches' trim of idle caches (see {@link #onPurgerVisit}); null for none. */
    private volatile Runnable purgerVisitHook;

    @SuppressWarnings("unused") // through BYTES_IN_USE
    private volatile long bytesInUse;

    private RefillEngine(RefillSettings settings, OsMemory os, EventRing events, PolicySource policy) {
        this.settings = settings;
        this.os = os;
        this.events = events;
        this.policy = policy;
        this.orphanage = new LocalHeap(this);
        this.hugeCache = new RangeCache<>(span -> span.blockSize, settings.hugeCacheEntries(), settings.hugeCacheBytes(),
                this::unmapCachedHuge);
        this.purger = ChunkPurger.watch(this, chunkDecayMillis(), dirtyDecayMillis() / SURPLUS_DECAY_DIVISOR);
    }

    /**
     * Called by the {@link ChunkPurger}: gives back chunks whose decay time has run out, then the
     * memory of pages that have been free for the dirty decay in the chunks that stay.
     */
    void purgeDecayed() {
        purgeDecayed(System.nanoTime());
    }

    /** As {@link #purgeDecayed()}, with dirty pages aged as if it were {@code nowNanos}: for tests. */
    void purgeDecayed(long nowNanos) {
        long cutoff;
        synchronized (this) {
            if (closed) {
                return;
            }
            unmapEmptyChunksBeyondRetained();
            cutoff = dirtyCutoff(nowNanos);
        }
        purgeDirtyPages(cutoff);
        purgeOrphans(nowNanos, dirtyDecayMillis() * 1_000_000L);
        Runnable hook = purgerVisitHook;
        if (hook != null) {
            hook.run();
        }
    }

    /**
     * Which dirty pages a visit at {@code now} gives back: those freed at or before the returned time.
     * Every page free for the dirty decay D; and, of the pages free for at least D/{@value #SURPLUS_DECAY_DIVISOR},
     * the oldest beyond what recent demand explains (TCMalloc's subrelease skips what its recent peak
     * demand will want again): the headroom is the peak of pages in spans over the last D minus the
     * pages in spans now. Pages freed by a burst that just ended are within the headroom and wait for
     * D, so a workload that comes back within D (bursts with short gaps, a cyclic one) reuses them
     * resident; pages the demand has not come back to while it stayed high (dirty runs too short for the
     * spans being carved, a steady churn that settled lower) go after D/4, oldest first (to within 1/64 of
     * the window between D/4 and D: a bucket's worth more may go). Records this visit's peak. Under the
     * lock: one pass over the dirty pages' times.
     */
    private long dirtyCutoff(long now) {
        long decayNanos = dirtyDecayMillis() * 1_000_000L;
        long cutoff = now - decayNanos;
        int slot = visits++ % VISIT_HISTORY;
        visitNanos[slot] = now;
        visitPeakPages[slot] = peakPagesSinceVisit;
        peakPagesSinceVisit = pagesInSpans;
        long recentPeak = pagesInSpans;
        for (int i = 0; i < Math.min(visits, VISIT_HISTORY); i++) {
            if (now - visitNanos[i] <= decayNanos) {
                recentPeak = Math.max(recentPeak, visitPeakPages[i]);
            }
        }
        long headroom = recentPeak - pagesInSpans;
        int dirty = 0;
        for (Chunk chunk : chunks) {
            dirty += chunk.dirtyPageCount();
        }
        if (dirty <= headroom || !os.purges()) {
            return cutoff;
        }
        // the oldest surplus first, to within one bucket of age: a histogram, not a sort, so the lock is held for one
        // pass over the dirty pages however many there are, and nothing is allocated
        long surplusCutoff = now - decayNanos / SURPLUS_DECAY_DIVISOR;
        long bucketNanos = Math.max(1, (surplusCutoff - cutoff + AGE_BUCKETS - 1) / AGE_BUCKETS);
        java.util.Arrays.fill(pagesByAge, 0);
        long candidates = 0;
        for (Chunk chunk : chunks) {
            candidates += chunk.countDirtyPagesByAge(cutoff, surplusCutoff, bucketNanos, pagesByAge);
        }
        long surplus = candidates - headroom;
        if (surplus <= 0) {
            return cutoff;
        }
        long oldest = 0;
        for (int b = 0; b < AGE_BUCKETS; b++) {
            oldest += pagesByAge[b];
            if (oldest >= surplus) {
                return Math.min(surplusCutoff, cutoff + (b + 1) * bucketNanos);
            }
        }
        return surplusCutoff;
    }

    /**
     * Runs {@code hook} on the purger's thread after each of its visits (every quarter dirty decay or half
     * chunk decay, at most {@link ChunkPurger#MAX_PERIOD_MILLIS}): how the thread caches learn that time has passed for a
     * cache whose owner is idle and so never reaches a cold path. Nothing runs with a decay of 0 (no purger).
     * One hook per engine, the caches in front of it: a later call replaces it (tests build several
     * sets of caches over one engine, some by the million; a list would keep every one alive).
     */
    public void onPurgerVisit(Runnable hook) {
        purgerVisitHook = Objects.requireNonNull(hook, "hook");
    }

    /**
     * Gives back the memory of the 64 KiB pages of {@code span} whose blocks are all in its free set
     * ({@link Span#freeRuns}), in runs of contiguous pages: a span pinned by a few blocks (cached
     * by an idle thread, or still in use) keeps only those pages resident. The span keeps its pages
     * and blocks; a purged block reads as zeros when next handed out. Only on a route that
     * {@linkplain OsMemory#purges purges}, and not when spans are filled on carving (debug mode's
     * poison would read as zeros). The caller owns the span's free set: its heap's owner, or a thread
     * holding that heap's cache. A span no block has come back to since its last look is skipped: its
     * free pages were given back then.
     *
     * @return the bytes purged
     */
    public long purgeFreePagesOf(Span span) {
        if (!os.purges() || settings.freshFill() != RefillSettings.AS_MAPPED || span.chunk == null || span.freeCount == 0
                || !span.freedSincePurge) {
            return 0;
        }
        span.freedSincePurge = false;
        synchronized (this) {
            if (closed) {
                return 0;
            }
            purgesInFlight++;
        }
        long[] runs = span.freeRuns(PageMap.PAGE_SIZE);
        long bytes = 0;
        int calls = 0;
        try {
            bytes = purgeRuns(span, runs);
            calls = runs.length / 2;
        } finally {
            synchronized (this) {
                purgeEnded(bytes, calls);
            }
        }
        return bytes;
    }

    /**
     * Gives back the memory of every dirty page freed at or before {@code cutoffNanos}, in runs of
     * contiguous pages: under the lock the runs are taken out of their chunks (they count as used,
     * so no span is carved over a page being purged), the system calls run without it, then the
     * pages go back, free and clean. Never on an allocating thread's path: the purger's and
     * {@link #trim()}'s.
     *
     * @return the bytes purged
     */
    long purgeDirtyPages(long cutoffNanos) {
        if (!os.purges()) {
            return 0;
        }
        List<Chunk> runChunks = new ArrayList<>();
        List<int[]> runs = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return 0;
            }
            for (Chunk chunk : chunks) {
                for (int[] run : chunk.takeDecayedDirtyRuns(cutoffNanos)) {
                    runChunks.add(chunk);
                    runs.add(run);
                }
            }
            if (runs.isEmpty()) {
                return 0;
            }
            purgesInFlight++;
        }
        int done = 0;
        long bytes = 0;
        try {
            for (; done < runs.size(); done++) {
                int[] run = runs.get(done);
                long runBytes = (long) run[1] << PageMap.PAGE_SHIFT;
                os.purge(runChunks.get(done).mapping, (long) run[0] << PageMap.PAGE_SHIFT, runBytes);
                bytes += runBytes;
            }
        } finally {
            synchronized (this) {
                for (int i = 0; i < runs.size(); i++) {
                    Chunk chunk = runChunks.get(i);
                    int[] run = runs.get(i);
                    chunk.returnPurgedPages(run[0], run[1], i < done);
                    if (chunk.isEmpty()) {
                        chunk.emptySinceNanos = chunk.lastFreedNanos; // it emptied while the purge held pages
                    }
                }
                purgeEnded(bytes, done);
            }
        }
        return bytes;
    }

    /**
     * Gives back the OS pages ({@link OsMemory#purgeGranule}) inside orphaned spans that only free blocks
     * overlap, for orphans taken at least {@code minAgeNanos} before {@code nowNanos} that a block has
     * come back to since their last purge. A thread that died with a few blocks of a span still out (a retained
     * buffer, a cache entry) leaves the span resident whole, and once the workload stops carving its
     * class nobody adopts it: with threads re-created, that was most of the memory the mixed-lifetimes
     * workload held beyond its live bytes (benchmarks/reports/2026-12-04-memory-merged.md). Under the
     * lock the spans are taken off the adoption lists and marked {@link Span#purging} (frees into them
     * go on; one that empties a span leaves its release to the purge's end, so no heap can carve its
     * pages mid-call), the system calls run without it, then the spans go back. Never on an allocating
     * thread's path: the purger's and {@link #trim()}'s.
     *
     * @return the bytes purged
     */
    long purgeOrphans(long nowNanos, long minAgeNanos) {
        if (!os.purges() || settings.freshFill() != RefillSettings.AS_MAPPED) {
            return 0;
        }
        long granule = os.purgeGranule();
        List<Span> spans = new ArrayList<>();
        List<long[]> runs = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return 0;
            }
            for (Span[] heads : orphansWithFree) {
                for (Span head : heads) {
                    for (Span span = head; span != null; span = span.next) {
                        if (span.freedSincePurge && nowNanos - span.orphanedAtNanos >= minAgeNanos) {
                            span.freedSincePurge = false;
                            long[] free = span.freeRuns(granule);
                            if (free.length > 0) {
                                spans.add(span);
                                runs.add(free);
                            }
                        }
                    }
                }
            }
            if (spans.isEmpty()) {
                return 0;
            }
            for (Span span : spans) {
                unlinkOrphan(span);
                span.purging = true;
            }
            purgesInFlight++;
        }
        long bytes = 0;
        int calls = 0;
        try {
            Runnable hook = orphanPurgeHook;
            if (hook != null) {
                hook.run();
            }
            for (int i = 0; i < spans.size(); i++) {
                bytes += purgeRuns(spans.get(i), runs.get(i));
                calls += runs.get(i).length / 2;
            }
        } finally {
            synchronized (this) {
                for (Span span : spans) {
                    span.purging = false;
                    if (span.isEmpty()) {
                        orphanSpans--;
                        releaseSpan(span); // its last block came back during the purge
                    } else {
                        linkOrphan(span);
                    }
                }
                purgeEnded(bytes, calls);
            }
        }
        return bytes;
    }

    /** The system calls that give back {@code runs} of {@code span} ({@link Span#freeRuns}), without the lock; returns the bytes. */
    private long purgeRuns(Span span, long[] runs) {
        long spanOffset = (long) span.firstPage << PageMap.PAGE_SHIFT;
        long bytes = 0;
        for (int r = 0; r < runs.length; r += 2) {
            os.purge(span.chunk.mapping, spanOffset + runs[r], runs[r + 1]);
            bytes += runs[r + 1];
        }
        return bytes;
    }

    /** Under the lock, at the end of a purge that ran outside it: counts what it gave back and lets {@link #close()} go on. */
    private void purgeEnded(long bytes, int calls) {
        purgedBytes += bytes;
        purgeCalls += calls;
        purgesInFlight--;
        notifyAll();
    }

    /** Runs between an orphan purge's taking of its spans and its system calls, outside the lock: the seam for tests of that window. */
    void onOrphanPurge(Runnable hook) {
        orphanPurgeHook = hook;
    }

    /**
     * @param events where boundary events go (dropped when full, never blocking)
     * @param policy read at every refill
     */
    public static RefillEngine create(RefillSettings settings, EventRing events, PolicySource policy) {
        return create(settings, events, policy, null);
    }

    /**
     * As {@link #create(RefillSettings, EventRing, PolicySource)}, over an OS that refuses a mapping
     * (a new chunk, a huge block, a retained range taken back) whenever {@code refuseMapping},
     * given the bytes wanted, answers true: the seam for tests of what a refusal at the OS boundary
     * does ({@code OsFaultTest}). Null refuses nothing.
     */
    public static RefillEngine create(RefillSettings settings, EventRing events, PolicySource policy,
                                      java.util.function.LongPredicate refuseMapping) {
        Objects.requireNonNull(settings, "settings");
        if (policy.current().sizeClasses() != SizeClasses.COUNT) {
            throw new IllegalArgumentException("policy covers " + policy.current().sizeClasses()
                    + " size classes, hakmem has " + SizeClasses.COUNT);
        }
        OsMemory os = switch (settings.route()) {
            case MMAP -> OsMemory.mmap();
            case SHM -> OsMemory.unrestricted();
            case ARENA -> OsMemory.arena();
            // decided once per engine: the JDK may enable native access for the module later, after a warning
            case AUTO -> RefillEngine.class.getModule().isNativeAccessEnabled() ? OsMemory.mmap() : OsMemory.unrestricted();
        };
        if (refuseMapping != null) {
            os = OsMemory.refusing(os, refuseMapping);
        }
        return new RefillEngine(settings, os, events, policy);
    }

    /**
     * An engine with no learner: the default policy, and an event ring that nobody drains (its
     * events are dropped and counted once it is full).
     */
    public static RefillEngine createStandalone(RefillSettings settings) {
        return create(settings, new EventRing(1024), new PolicySource(defaultPolicy()));
    }

    /** The default policy: {@link SizeClasses#defaultBatch} per refill, caches of twice that. */
    public static Policy defaultPolicy() {
        return policyOf(100, 200);
    }

    /**
     * Every class's batch at {@code batchPercent} of its {@link SizeClasses#defaultBatch}, its cache
     * at {@code capacityPercent} of that batch; both at least 1 and at most what a cache can hold
     * ({@link Policy#MAX_CAPACITY}).
     *
     * @throws IllegalArgumentException if {@code batchPercent} is not positive or {@code capacityPercent} is below 100
     */
    public static Policy policyOf(int batchPercent, int capacityPercent) {
        if (batchPercent <= 0 || capacityPercent < 100) {
            throw new IllegalArgumentException("policy: batch " + batchPercent + "% and capacity " + capacityPercent
                    + "% of the batch: need a batch above 0% and a capacity of at least 100%");
        }
        int[] refill = new int[SizeClasses.COUNT];
        int[] capacity = new int[SizeClasses.COUNT];
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            refill[c] = (int) Math.clamp(SizeClasses.defaultBatch(c) * (long) batchPercent / 100, 1, Policy.MAX_BATCH);
            capacity[c] = (int) Math.clamp(refill[c] * (long) capacityPercent / 100, refill[c], Policy.MAX_CAPACITY);
        }
        return Policy.of(refill, capacity);
    }

    public LocalHeap newHeap() {
        return new LocalHeap(this);
    }

    /** The page map, read by the thread caches on their free path. */
    public PageMap pageMap() {
        return pageMap;
    }

    /** @return the span holding {@code address}, or null if it is not hakmem's */
    public Span spanOf(long address) {
        return pageMap.spanOf(address);
    }

    public String osRoute() {
        return os.name();
    }

    public long limitBytes() {
        return settings.limitBytes();
    }

    Policy policy() {
        return policy.current();
    }

    /** How long an empty chunk beyond the retained ones stays mapped: the policy's decay if it has one (a learner's), else the setting. */
    public long chunkDecayMillis() {
        return policy.current().chunkDecayMillisOr(settings.chunkDecayMillis());
    }

    /**
     * How long a free page inside a chunk that stays mapped keeps its memory, and how long an idle
     * thread cache keeps its spare spans: {@link RefillSettings#dirtyDecayMillis}, but never longer
     * than the chunk decay in force, so a learner that shortens the chunk decay shortens this too
     * (and one that lengthens it, after a chunk came back too soon, leaves the pages' own decay).
     */
    public long dirtyDecayMillis() {
        return Math.min(settings.dirtyDecayMillis(), chunkDecayMillis());
    }

    /** Queues an event for the learner; with no learner attached there is no one to tell, and nothing is queued. */
    void publish(EventKind kind, int sizeClass, long value) {
        if (events.isConsumed()) {
            events.offer(kind, sizeClass, value);
        }
    }

    // ---- the limit ----

    /**
     * Takes up to {@code wanted} bytes, whole multiples of {@code unit}, from the room under the limit.
     *
     * @return the bytes taken: a multiple of {@code unit}, possibly 0
     */
    long reserve(long wanted, long unit) {
        long limit = settings.limitBytes();
        while (true) {
            long used = (long) BYTES_IN_USE.getVolatile(this);
            long room = Math.max(0, limit - used);
            long fit = wanted <= room ? wanted : room / unit * unit;
            if (fit == 0) {
                return 0;
            }
            if (BYTES_IN_USE.compareAndSet(this, used, used + fit)) {
                return fit;
            }
        }
    }

    boolean reserveBytes(long bytes) {
        return reserve(bytes, bytes) == bytes;
    }

    void unreserve(long bytes) {
        BYTES_IN_USE.getAndAdd(this, -bytes);
    }

    public long bytesInUse() {
        return (long) BYTES_IN_USE.getVolatile(this);
    }

    /** The message of the OutOfMemoryError thrown when the limit stops a request. */
    public String limitMessage(long requested) {
        return "hakmem: cannot allocate " + requested + " bytes: the limit of " + settings.limitBytes()
                + " bytes (hakmem.limit) would be exceeded; " + bytesInUse() + " bytes are in use";
    }

    // ---- spans ----

    /** As {@link #acquireSpan(int, int, LocalHeap)}, for ordinary (not long-lived) blocks. */
    Span acquireSpan(int sizeClass, LocalHeap owner) {
        return acquireSpan(sizeClass, -1, owner);
    }

    /**
     * A span of {@code sizeClass} with free blocks for {@code owner}: an orphan of that kind
     * ({@code lane}, -1 for ordinary spans) if one has free blocks, else a new span, carved from dirty
     * pages first, then clean ones, then a new chunk. An adopted orphan may still have blocks out;
     * their frees find the new owner ({@link #freeNotOwned} reads the owner again under this lock).
     */
    synchronized Span acquireSpan(int sizeClass, int lane, LocalHeap owner) {
        ensureOpen();
        Span orphan = orphansWithFree[lane + 1][sizeClass];
        if (orphan != null) {
            unlinkOrphan(orphan);
            orphanSpans--;
            orphansAdopted++;
            orphan.setOwner(owner);
            return orphan;
        }
        int pages = SizeClasses.spanPages(sizeClass);
        for (Chunk chunk : chunks) {
            int first = chunk.allocateDirtyPages(pages); // resident already: no faults, and purged pages stay purged
            if (first >= 0) {
                return newSpan(sizeClass, chunk, first, pages, owner);
            }
        }
        for (Chunk chunk : chunks) {
            int first = chunk.allocatePages(pages);
            if (first >= 0) {
                return newSpan(sizeClass, chunk, first, pages, owner);
            }
        }
        Chunk chunk = mapChunk((long) pages << PageMap.PAGE_SHIFT, sizeClass);
        return newSpan(sizeClass, chunk, chunk.allocatePages(pages), pages, owner);
    }

    /**
     * Counts the live blocks of every site, from the blocks themselves: each span's site entries
     * (see {@link Span#recordAllocation}). The lock is held only to copy the lists of chunks and huge
     * blocks; the spans are read without it, so the tally is exact when the allocator is quiet and a
     * moment old otherwise. Costs a read of every site entry: about 2 ms per million blocks ({@code SiteUsageScan}).
     */
    public SiteTally tallyLiveSites() {
        Chunk[] chunksNow;
        Span[] hugeNow;
        synchronized (this) {
            chunksNow = chunks.toArray(new Chunk[0]);
            hugeNow = hugeInUse.toArray(new Span[0]);
        }
        SiteTally tally = new SiteTally();
        for (Chunk chunk : chunksNow) {
            for (int page = 0; page < chunk.pages; page++) {
                long address = chunk.base + ((long) page << PageMap.PAGE_SHIFT);
                Span span = pageMap.spanOf(address);
                if (span != null && span.base == address) { // a span once, at its first page
                    span.tallyLiveSites(tally);
                }
            }
        }
        for (Span span : hugeNow) {
            span.tallyLiveSites(tally);
        }
        return tally;
    }

    private Span newSpan(int sizeClass, Chunk chunk, int first, int pages, LocalHeap owner) {
        Span span = Span.small(pageMap, sizeClass, chunk, first, pages, owner);
        if (settings.freshFill() != RefillSettings.AS_MAPPED) {
            chunk.segment.asSlice((long) first << PageMap.PAGE_SHIFT, (long) pages << PageMap.PAGE_SHIFT)
                    .fill((byte) settings.freshFill());
        }
        pageMap.register(span, span.base, pages);
        liveSpans++;
        pagesInSpans += pages;
        peakPagesSinceVisit = Math.max(peakPagesSinceVisit, pagesInSpans);
        publish(EventKind.SPAN_ACQUIRED, sizeClass, (long) pages << PageMap.PAGE_SHIFT);
        return span;
    }

    /**
     * @throws OutOfMemoryError naming the block size of {@code sizeClass} if the OS refuses; nothing
     *         has changed then
     */
    private Chunk mapChunk(long atLeast, int sizeClass) {
        long chunkBytes = 0;
        for (Chunk chunk : chunks) {
            chunkBytes += chunk.bytes();
        }
        long size = Math.max(nextChunkBytes(chunkBytes, chunks.size(), settings), atLeast);
        Chunk chunk;
        try {
            chunk = reviveRetainedChunk(size);
        } catch (RuntimeException | Error e) {
            throw osRefused(SizeClasses.sizeOf(sizeClass), "to remap a retained chunk of at least " + size + " bytes", e);
        }
        if (chunk == null) {
            Mapping mapping;
            try {
                mapping = os.map(size);
            } catch (RuntimeException | Error e) {
                throw osRefused(SizeClasses.sizeOf(sizeClass), "a new chunk of " + size + " bytes", e);
            }
            chunk = new Chunk(mapping);
            chunk.vacant = Span.vacant(pageMap, chunk);
            pageMap.register(chunk.vacant, chunk.base, chunk.pages);
        }
        chunks.add(chunk);
        mappedBytes += chunk.bytes();
        chunksMapped++;
        publish(EventKind.CHUNK_MAPPED, -1, chunk.bytes());
        return chunk;
    }

    /**
     * The size of the next chunk when {@code chunkCount} chunks of {@code chunkBytes} in all are mapped
     * and none has room for a span: an eighth of what they hold (rounded up to whole pages), at least
     * {@code init}, at most the geometric size of its rank, {@code init << min(chunkCount, growthLevels)}
     * capped at {@code max}. A chunk is mapped only when no other has room for the span, so with
     * one-page spans (every class up to 4 KiB) what chunks map stays within an eighth, plus one
     * {@code init}, of the most pages spans have held at once, resident or not. Growth by rank alone
     * mapped 15 MiB for the 12 MiB of spans at {@code bin/bench rss}'s Larson peak: a fourth chunk of
     * 8 MiB for one 64 KiB span (benchmarks/reports/2026-12-04-small-live-set.md). Chunks still reach
     * {@code max} (from 64 MiB mapped with the defaults), so a large heap costs few mappings.
     */
    static long nextChunkBytes(long chunkBytes, int chunkCount, RefillSettings settings) {
        long byRank = Math.min(settings.chunkMaxBytes(), settings.chunkInitBytes() << Math.min(chunkCount, settings.growthLevels()));
        long byUse = (chunkBytes / 8 + PageMap.PAGE_SIZE - 1) & -PageMap.PAGE_SIZE;
        return Math.min(byRank, Math.max(settings.chunkInitBytes(), byUse));
    }

    /** A retained chunk of {@code bytes} to twice that, its memory back and zero-filled; or null. */
    private Chunk reviveRetainedChunk(long bytes) {
        Chunk chunk = retainedChunks.takeFitting(bytes);
        if (chunk != null) {
            try {
                os.revive(chunk.mapping);
            } catch (RuntimeException | Error e) {
                unmapRetainedChunk(chunk);
                throw e;
            }
        }
        return chunk;
    }

    synchronized void releaseSpan(Span span) {
        Chunk chunk = span.chunk;
        pageMap.register(chunk.vacant, span.base, span.pages);
        span.setOwner(null);
        long now = System.nanoTime();
        chunk.freePages(span.firstPage, span.pages, now);
        liveSpans--;
        pagesInSpans -= span.pages;
        publish(EventKind.SPAN_RELEASED, span.sizeClass, (long) span.pages << PageMap.PAGE_SHIFT);
        if (chunk.isEmpty()) {
            chunk.emptySinceNanos = now;
        }
        if (chunks.size() > 1) {
            unmapEmptyChunksBeyondRetained(); // also chunks whose decay has run out since
        }
    }

    /**
     * Gives back empty chunks beyond the retained ones, largest first (they are what a burst left
     * behind), but only those empty for the decay time: a cyclic workload reuses them instead.
     */
    private void unmapEmptyChunksBeyondRetained() {
        long now = System.nanoTime();
        long decayNanos = chunkDecayMillis() * 1_000_000L; // read now: a learner's new decay applies from here on
        int empty = 0;
        for (Chunk c : chunks) {
            if (c.isEmpty()) {
                empty++;
            }
        }
        while (empty > settings.retainedEmptyChunks()) {
            Chunk largest = null;
            for (Chunk c : chunks) {
                if (c.isEmpty() && now - c.emptySinceNanos >= decayNanos && (largest == null || c.pages > largest.pages)) {
                    largest = c;
                }
            }
            if (largest == null) {
                return;
            }
            unmapChunk(largest);
            empty--;
        }
    }

    /** Gives an empty chunk's memory back to the OS: its addresses retained if the route can (not once closed), else unmapped. */
    private void unmapChunk(Chunk chunk) {
        chunks.remove(chunk);
        mappedBytes -= chunk.bytes();
        chunksUnmapped++;
        publish(EventKind.CHUNK_UNMAPPED, -1, chunk.bytes());
        if (!closed && os.retain(chunk.mapping)) {
            chunk.forgetDirtyPages();
            retainedChunks.add(chunk);
        } else {
            pageMap.unregister(chunk.base, chunk.pages);
            os.unmap(chunk.mapping);
        }
    }

    private void unmapRetainedChunk(Chunk chunk) {
        pageMap.unregister(chunk.base, chunk.pages);
        os.unmap(chunk.mapping);
    }

    // ---- frees that do not come from the owner ----

    /**
     * Frees a block that the calling thread's heap does not own: a huge block, a block of another
     * heap (pushed on its remote-free queue), or a block of an orphaned span. The caller has already
     * marked the block free with {@link Span#release}.
     */
    public void freeNotOwned(Span span, long address) {
        if (span.sizeClass == SizeClasses.HUGE) {
            freeHuge(span);
            return;
        }
        while (true) {
            LocalHeap owner = span.acquireOwner();
            if (owner == null) {
                throw new IllegalStateException("hakmem: block 0x" + Long.toHexString(address) + " belongs to a released span");
            }
            if (owner == orphanage) {
                if (freeOrphanBlock(span, address)) {
                    return;
                }
            } else if (owner.pushRemote(span, address)) {
                return;
            }
            // the owner closed its queue while retiring and has moved the span to the orphanage: look again
            Thread.onSpinWait();
        }
    }

    /**
     * Frees {@code batch[0..count)}, blocks gathered for an owner that has retired since
     * ({@link RemoteFreeBuffer}; the caller has marked each free with {@link Span#release}): those
     * still orphaned go back under one hold of the lock, not one each; those whose span a refill
     * adopted meanwhile go to their new owner, in one hand-over when they share it (the usual case:
     * the heap that adopted the dead one's spans). Overwrites {@code batch}.
     */
    public void freeNotOwned(long[] batch, int count) {
        int adopted = 0;
        synchronized (this) {
            for (int i = 0; i < count; i++) {
                long address = batch[i];
                Span span = spanOf(address);
                if (span.acquireOwner() == orphanage) {
                    orphanFrees++;
                    returnToOrphanSpan(span, address);
                } else {
                    batch[adopted++] = address;
                }
            }
        }
        if (adopted == 0) {
            return;
        }
        LocalHeap owner = spanOf(batch[0]).acquireOwner();
        for (int i = 1; i < adopted && owner != null; i++) {
            if (spanOf(batch[i]).acquireOwner() != owner) {
                owner = null;
            }
        }
        if (owner != null && owner != orphanage && (owner.offerRemote(batch, adopted) || owner.pushRemoteChain(batch, adopted))) {
            return;
        }
        for (int i = 0; i < adopted; i++) {
            freeNotOwned(spanOf(batch[i]), batch[i]);
        }
    }

    private synchronized boolean freeOrphanBlock(Span span, long address) {
        if (span.acquireOwner() != orphanage) {
            return false;
        }
        orphanFrees++;
        returnToOrphanSpan(span, address);
        return true;
    }

    /**
     * Under the lock: a block goes back into an orphaned span, which is released once empty, and
     * offered for adoption once it has a free block.
     */
    void returnToOrphanSpan(Span span, long address) {
        if (!span.putFree(span.blockIndex(address))) {
            throw new IllegalStateException("block 0x" + Long.toHexString(address) + " freed twice into " + span);
        }
        unreserve(span.blockSize);
        if (span.purging) {
            return; // off the lists until its purge ends, which releases it if it is empty by then
        }
        if (span.isEmpty()) {
            unlinkOrphan(span);
            orphanSpans--;
            releaseSpan(span);
        } else if (span.freeCount == 1) {
            linkOrphan(span);
        }
    }

    /**
     * Called by a retiring heap, under the lock, for each span that still has blocks out: the
     * orphanage owns it until its last block comes back or a refill adopts it.
     */
    void orphan(Span span) {
        // the retired heap's lists are dropped whole: its links are stale, and a span still marked
        // listed would never be linked again
        span.listed = false;
        span.prev = null;
        span.next = null;
        span.ownedIndex = -1;
        span.setOwner(orphanage);
        span.orphanedAtNanos = System.nanoTime();
        span.freedSincePurge = true;
        orphanSpans++;
        if (span.freeCount > 0) {
            linkOrphan(span);
        }
    }

    private void linkOrphan(Span span) {
        Span.link(orphansOf(span), span);
    }

    private void unlinkOrphan(Span span) {
        Span.unlink(orphansOf(span), span);
    }

    private Span[] orphansOf(Span span) {
        return orphansWithFree[span.longLived ? 1 + span.longLivedLane : 0];
    }

    // ---- huge ----

    /**
     * @param size above {@link SizeClasses#MAX_SMALL_SIZE}
     * @return the address, or 0 if the limit stops it
     */
    public long allocateHuge(long size, boolean zero) {
        long bytes = (size + PageMap.PAGE_SIZE - 1) & -PageMap.PAGE_SIZE;
        if (bytes <= 0) {
            throw new OutOfMemoryError("hakmem: cannot allocate " + size + " bytes: larger than the address space");
        }
        if (bytes > Span.MAX_HUGE_BYTES) {
            throw new OutOfMemoryError("hakmem: cannot allocate " + size + " bytes: above hakmem's largest block, "
                    + Span.MAX_HUGE_BYTES + " bytes (1 TiB)");
        }
        Span span;
        boolean fresh = false;
        synchronized (this) {
            ensureOpen();
            Span cached = hugeCache.takeFitting(bytes);
            if (cached != null) {
                if (!reserveBytes(cached.blockSize)) {
                    hugeCache.add(cached);
                    return 0;
                }
                span = cached; // still in the page map, marked free
            } else if ((span = retainedHuge.takeFitting(bytes)) != null) {
                if (!reserveBytes(span.blockSize)) {
                    retainedHuge.add(span);
                    return 0;
                }
                try {
                    os.revive(span.hugeMapping);
                } catch (RuntimeException | Error e) {
                    unreserve(span.blockSize);
                    unmapRetainedHuge(span);
                    throw osRefused(size, "to remap " + span.blockSize + " bytes", e);
                }
                mappedBytes += span.blockSize;
                zero = false; // revived pages read as zeros
                fresh = true;
            } else {
                if (!reserveBytes(bytes)) {
                    return 0;
                }
                Mapping mapping;
                try {
                    mapping = os.map(bytes);
                } catch (RuntimeException | Error e) {
                    unreserve(bytes);
                    throw osRefused(size, "a mapping of " + bytes + " bytes", e);
                }
                mappedBytes += bytes;
                span = Span.huge(pageMap, mapping);
                pageMap.register(span, span.base, span.pages);
                zero = false; // a fresh mapping reads as zeros already
                fresh = true;
            }
            liveHugeSpans++;
            hugeInUse.add(span);
            hugeBytes += span.blockSize;
        }
        span.markAllocated(span.base);
        if (fresh && settings.freshFill() != RefillSettings.AS_MAPPED) {
            span.segment().asSlice(0, Math.min(span.blockSize, FRESH_FILL_HUGE_BYTES)).fill((byte) settings.freshFill());
        }
        if (zero) {
            span.zero(span.base, span.blockSize);
        }
        return span.base;
    }

    private static OutOfMemoryError osRefused(long size, String what, Throwable cause) {
        OutOfMemoryError oom = new OutOfMemoryError("hakmem: cannot allocate " + size + " bytes: the OS refused "
                + what + " (" + cause.getMessage() + ")");
        oom.initCause(cause);
        return oom;
    }

    private synchronized void freeHuge(Span span) {
        unreserve(span.blockSize);
        liveHugeSpans--;
        hugeInUse.remove(span);
        hugeBytes -= span.blockSize;
        hugeCache.add(span);
    }

    /** Gives an evicted cached huge mapping's memory back: retained if the route can, else unmapped. */
    private void unmapCachedHuge(Span span) {
        mappedBytes -= span.blockSize;
        if (os.retain(span.hugeMapping)) {
            retainedHuge.add(span);
        } else {
            pageMap.unregister(span.base, span.pages);
            os.unmap(span.hugeMapping);
        }
    }

    private void unmapRetainedHuge(Span span) {
        pageMap.unregister(span.base, span.pages);
        os.unmap(span.hugeMapping);
    }

    /**
     * Gives every cached huge mapping and every empty chunk back to the OS (their addresses stay
     * reserved where the route can: see {@link #retainedHuge} and {@link #retainedChunks}), then
     * the memory of every free page in the chunks that stay, whatever its age, and the free OS pages
     * inside orphaned spans ({@link #purgeOrphans}).
     */
    public void trim() {
        synchronized (this) {
            trimChunks();
        }
        purgeDirtyPages(Long.MAX_VALUE);
        purgeOrphans(System.nanoTime(), 0);
    }

    private void trimChunks() {
        hugeCache.evictAll();
        for (Iterator<Chunk> it = new ArrayList<>(chunks).iterator(); it.hasNext(); ) {
            Chunk c = it.next();
            if (c.isEmpty()) {
                unmapChunk(c);
            }
        }
    }

    /**
     * Checks the engine's bookkeeping against itself, for tests: every page of every chunk maps to
     * a span of that chunk (its vacant entry exactly where no span holds it), every span's free
     * count matches its free bits and each free block's state is free, and the counts of spans and
     * huge blocks match what the page map holds. Reads spans that their owners write without a
     * lock: call it only while no other thread uses the allocator.
     *
     * @return what is wrong, one line each; empty if nothing is
     */
    public synchronized List<String> checkInvariants() {
        List<String> wrong = new ArrayList<>();
        int spansSeen = 0;
        long mapped = 0;
        for (Chunk chunk : chunks) {
            mapped += chunk.bytes();
            for (int page = 0; page < chunk.pages; ) {
                long address = chunk.base + ((long) page << PageMap.PAGE_SHIFT);
                Span span = pageMap.spanOf(address);
                if (span == null) {
                    wrong.add("page " + page + " of chunk 0x" + Long.toHexString(chunk.base) + " is not in the page map");
                    page++;
                    continue;
                }
                if (span.isVacant()) {
                    if (span != chunk.vacant || chunk.isUsed(page) && !chunk.isPurging(page)) {
                        wrong.add("page " + page + " of chunk 0x" + Long.toHexString(chunk.base) + " is vacant in the page map but "
                                + (chunk.isUsed(page) ? "used in its chunk" : "not its chunk's vacant entry"));
                    }
                    page++;
                    continue;
                }
                if (span.chunk != chunk || span.base != address || span.firstPage != page) {
                    wrong.add("page " + page + " of chunk 0x" + Long.toHexString(chunk.base) + " maps to " + span + ", which does not start there");
                    page++;
                    continue;
                }
                spansSeen++;
                for (int p = page; p < page + span.pages; p++) {
                    if (!chunk.isUsed(p) || pageMap.spanOf(chunk.base + ((long) p << PageMap.PAGE_SHIFT)) != span) {
                        wrong.add("page " + p + " of " + span + " is not its span's in the chunk or the page map");
                    }
                }
                wrong.addAll(span.checkFreeSet());
                page += span.pages;
            }
        }
        if (spansSeen != liveSpans) {
            wrong.add(spansSeen + " spans in the chunks, but " + liveSpans + " counted");
        }
        for (Span huge : hugeInUse) {
            mapped += huge.blockSize;
            if (pageMap.spanOf(huge.base) != huge || pageMap.spanOf(huge.base + huge.blockSize - 1) != huge) {
                wrong.add("huge block " + huge + " is not in the page map");
            }
            if (!huge.isAllocated(huge.base)) {
                wrong.add("huge block " + huge + " in use is marked free");
            }
        }
        if (hugeInUse.size() != liveHugeSpans) {
            wrong.add(hugeInUse.size() + " huge blocks in use, but " + liveHugeSpans + " counted");
        }
        mapped += hugeCache.bytes();
        if (mapped != mappedBytes) {
            wrong.add("chunks, huge blocks and cached huge mappings hold " + mapped + " bytes, but " + mappedBytes + " are counted as mapped");
        }
        return wrong;
    }

    public synchronized RefillStats stats() {
        long dirtyPages = 0;
        for (Chunk chunk : chunks) {
            dirtyPages += chunk.dirtyPageCount();
        }
        return new RefillStats(mappedBytes, chunks.size(), chunksMapped, chunksUnmapped, liveSpans, liveHugeSpans,
                hugeBytes, hugeCache.size(), hugeCache.bytes(), bytesInUse(), settings.limitBytes(),
                orphanFrees, events.dropped(), os.name(), dirtyPages << PageMap.PAGE_SHIFT, purgedBytes, purgeCalls,
                orphanSpans, orphansAdopted);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("hakmem: the allocator is closed");
        }
    }

    /** Unmaps everything. Only for tests and shutdown of a private instance: live blocks become invalid. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (purger != null) {
            purger.cancel(false);
        }
        // a purge outside the lock must finish before its chunk is unmapped: the addresses could be reused
        boolean interrupted = false;
        while (purgesInFlight > 0) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        trimChunks();
        // the page map outlives this engine: leave no span of ours in it
        for (Span huge : hugeInUse) {
            pageMap.unregister(huge.base, huge.pages);
        }
        hugeInUse.clear();
        retainedHuge.evictAll();
        for (Chunk c : new ArrayList<>(chunks)) {
            unmapChunk(c);
        }
        retainedChunks.evictAll();
        os.close();
    }
}
