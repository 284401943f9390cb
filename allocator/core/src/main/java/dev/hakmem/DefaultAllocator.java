package dev.hakmem;

import dev.hakmem.ace.Learner;
import dev.hakmem.ace.PolicyLearner;
import dev.hakmem.refill.spi.CacheBudget;
import dev.hakmem.refill.spi.EventRing;
import dev.hakmem.refill.spi.Policy;
import dev.hakmem.refill.spi.PolicySource;
import dev.hakmem.cache.HotPathFlags;
import dev.hakmem.cache.HotPathSwitches;
import dev.hakmem.cache.CacheTotals;
import dev.hakmem.cache.ThreadCache;
import dev.hakmem.cache.ThreadCaches;
import dev.hakmem.cache.SiteCounters;
import dev.hakmem.refill.MemoryRoute;
import dev.hakmem.refill.PageMap;
import dev.hakmem.refill.RefillEngine;
import dev.hakmem.refill.RefillSettings;
import dev.hakmem.refill.RefillStats;
import dev.hakmem.refill.SiteTally;
import dev.hakmem.refill.SizeClasses;
import dev.hakmem.refill.Span;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * Wires the boxes together: Box 2 (refill engine) publishes to an event ring and reads a policy
 * source, both its own contracts, which Box 3's learner (when on) drains and publishes to; Box 1 (thread caches) sits on Box 2; this class routes each call to the current thread's
 * cache, or straight to the engine for huge sizes.
 */
final class DefaultAllocator implements HakmemAllocator {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultAllocator.class);
    /**
     * 512 KiB of events: the learner drains every 100 ms, up to four ring-fulls, so it keeps up with
     * about 2.6 million events a second (a burst of large blocks, whose batches are of 1 to 4 blocks,
     * makes a few hundred thousand); beyond that events are dropped and counted.
     */
    private static final int LEARNING_RING_CAPACITY = 1 << 16;
    /** With learning off nobody drains the ring, and the engine offers it nothing ({@code EventRing.isConsumed}). */
    private static final int IDLE_RING_CAPACITY = 1 << 10;
    private static final VarHandle INVALID_FREES;

    static {
        if (ThreadCaches.RELEASED != RELEASED || ThreadCaches.FOREIGN != FOREIGN || ThreadCaches.NOT_A_LIVE_BLOCK != NOT_A_LIVE_BLOCK) {
            throw new ExceptionInInitializerError("Box 1's release results must be HakmemAllocator's");
        }
        // before any cache exists: the hot path's switches are per JVM, and the environment decides them
        boolean[] switches = HakmemConfig.hotPathSwitchesFromEnvironment();
        HotPathSwitches.offer(switches[0], switches[1]);
        try {
            INVALID_FREES = MethodHandles.lookup().findVarHandle(DefaultAllocator.class, "invalidFrees", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final RefillEngine engine;
    private final PageMap pageMap;
    private final ThreadCaches caches;
    private final EventRing events;
    private final PolicySource policy;
    /**
     * With learning on, a thread samples about one block per this many bytes it allocates at a site
     * for the learner's lifetimes: a site allocating 1 MiB gives 4 samples, so 100 (a decision) after
     * 25 MiB; each sample is one cold-path call and one entry of a 64-entry list checked at refills.
     */
    static final long LIFETIME_SAMPLE_BYTES = 256 * 1024;

    /** The learner adapting {@link #policy}, or null with {@code hakmem.learn} off. */
    private final Learner learner;
    @SuppressWarnings("unused") // through INVALID_FREES
    private volatile long invalidFrees;

    DefaultAllocator(HakmemConfig config) {
        this(config, null);
    }

    /**
     * @param refuseMapping the OS refuses a mapping when this answers true for its size (the seam
     *                      of {@code OsFaultTest}); null for the OS as it is
     */
    DefaultAllocator(HakmemConfig config, LongPredicate refuseMapping) {
        this(config, refuseMapping, true);
    }

    /**
     * @param driveLearner false leaves the learner (if {@code config.learn()}) without its thread:
     *                     a test runs its rounds ({@link #learnerRound}) at the times it chooses
     */
    DefaultAllocator(HakmemConfig config, LongPredicate refuseMapping, boolean driveLearner) {
        this.events = new EventRing(config.learn() ? LEARNING_RING_CAPACITY : IDLE_RING_CAPACITY);
        Policy start = RefillEngine.policyOf(config.cacheBatchPercent(), config.cacheCapacityPercent());
        CacheBudget budget = config.cacheMaxBytes() == HakmemConfig.NO_CACHE_BUDGET
                ? CacheBudget.covering(start) : CacheBudget.of(config.cacheMaxBytes());
        this.policy = new PolicySource(budget.fit(start));
        // before the engine: it starts under the learner's first policy (the chunk purger's pace follows its decay)
        this.learner = config.learn() ? Learner.attach(events, policy,
                new PolicyLearner(policy.current(), PolicyLearner.Settings.defaults(), budget),
                decision -> LOG.debug("hakmem learner: {}; now {}", decision.reason(), decision.policy())) : null;
        // the one mapping between the facade's route enum and the engine's (HakmemConfigTest keeps them the same)
        this.engine = RefillEngine.create(new RefillSettings(config.chunkInitBytes(), config.chunkMaxBytes(),
                config.growthLevels(), config.retainedChunks(), config.chunkDecayMillis(), config.limitBytes(),
                MemoryRoute.valueOf(config.osRoute().name()), config.hugeCacheEntries(), config.hugeCacheBytes(),
                config.debug() ? DebugAllocator.POISON & 0xFF : RefillSettings.AS_MAPPED, config.dirtyDecayMillis()),
                events, policy, refuseMapping);
        this.pageMap = engine.pageMap();
        this.caches = new ThreadCaches(engine, config.stripes(), config.prewarmBytes());
        if (config.statistics() != HotPathFlags.STATISTICS || config.checks() != HotPathFlags.CHECKS) {
            LOG.warn("hakmem: this JVM runs with {}={} and {}={}: they are read once, when hakmem's classes load",
                    HakmemConfig.STATS_PROPERTY, HotPathFlags.STATISTICS, HakmemConfig.CHECKS_PROPERTY, HotPathFlags.CHECKS);
        }
        LOG.debug("hakmem allocator started: {} memory, {}", engine.osRoute(), config);
        if (learner != null) {
            // the learner classifies sites by the lifetimes of sampled blocks: sample even with no sampler installed
            caches.sampling().watchLifetimes(LIFETIME_SAMPLE_BYTES);
            LOG.debug("hakmem learner on, starting with {}", policy.current());
            if (driveLearner) {
                learner.start();
            }
        }
    }

    /** The allocator {@code config} asks for: this one, behind {@link DebugAllocator} in debug mode. */
    static HakmemAllocator create(HakmemConfig config, LongPredicate refuseMapping) {
        DefaultAllocator allocator = new DefaultAllocator(config, refuseMapping);
        return config.debug() ? new DebugAllocator(allocator) : allocator;
    }

    /** The span of this allocator's that holds {@code address}, or null (debug mode and tests). */
    Span spanOf(long address) {
        return pageMap.spanOf(address);
    }

    /**
     * What is wrong with the engine's bookkeeping ({@link RefillEngine#checkInvariants}); for tests,
     * while no other thread uses this allocator.
     */
    List<String> checkInvariants() {
        caches.sweepAll();
        return engine.checkInvariants();
    }

    @Override
    public long allocate(long size) {
        // one unsigned compare per tier: it rejects 0 and negative sizes too, which go to allocateOther
        if (Long.compareUnsigned(size - 1, SizeClasses.TINY_MAX) < 0) {
            return allocateSmall(SizeClasses.tinyClassOf((int) size));
        }
        if (Long.compareUnsigned(size - 1, SizeClasses.MAX_SMALL_SIZE) < 0) {
            return allocateSmall(SizeClasses.classOf((int) size));
        }
        return allocateOther(size, false, 0);
    }

    private long allocateSmall(int sizeClass) {
        Thread thread = Thread.currentThread();
        ThreadCache cache = caches.ownCache(thread);
        if (cache != null) {
            return cache.allocate(sizeClass);
        }
        return allocateOnCacheOf(thread, sizeClass);
    }

    private long allocateOnCacheOf(Thread thread, int sizeClass) {
        if (!thread.isVirtual()) {
            return caches.platformCache(thread).allocate(sizeClass);
        }
        ThreadCache cache = caches.acquireStripe(thread.threadId());
        try {
            return cache.allocate(sizeClass);
        } finally {
            caches.releaseStripe(cache);
        }
    }

    private long allocateOther(long size, boolean zero, int siteId) {
        if (size == 0) {
            return 0;
        }
        if (size < 0) {
            throw new IllegalArgumentException("hakmem: cannot allocate a negative size: " + size);
        }
        long address = engine.allocateHuge(size, zero);
        if (address == 0) {
            throw new OutOfMemoryError(engine.limitMessage(size));
        }
        Span span = pageMap.spanOf(address);
        if (siteId != 0) {
            span.recordAllocation(address, siteId);
        }
        Thread thread = Thread.currentThread();
        int site;
        if (!thread.isVirtual()) {
            site = caches.platformCache(thread).countHuge(address, span.blockSize(), siteId);
        } else {
            ThreadCache cache = caches.acquireStripe(thread.threadId());
            try {
                site = cache.countHuge(address, span.blockSize(), siteId);
            } finally {
                caches.releaseStripe(cache);
            }
        }
        if (site != siteId) {
            span.recordAllocation(address, site);
        }
        return address;
    }

    @Override
    public long allocate(long size, int siteId) {
        if (siteId == 0) {
            return allocate(size);
        }
        if (Long.compareUnsigned(size - 1, SizeClasses.TINY_MAX) < 0) {
            return allocateSmall(SizeClasses.tinyClassOf((int) size), siteId);
        }
        if (Long.compareUnsigned(size - 1, SizeClasses.MAX_SMALL_SIZE) < 0) {
            return allocateSmall(SizeClasses.classOf((int) size), siteId);
        }
        return allocateOther(size, false, siteId);
    }

    private long allocateSmall(int sizeClass, int siteId) {
        Thread thread = Thread.currentThread();
        ThreadCache cache = caches.ownCache(thread);
        if (cache != null) {
            return cache.allocate(sizeClass, siteId);
        }
        return allocateOnCacheOf(thread, sizeClass, siteId);
    }

    private long allocateOnCacheOf(Thread thread, int sizeClass, int siteId) {
        if (!thread.isVirtual()) {
            return caches.platformCache(thread).allocate(sizeClass, siteId);
        }
        ThreadCache cache = caches.acquireStripe(thread.threadId());
        try {
            return cache.allocate(sizeClass, siteId);
        } finally {
            caches.releaseStripe(cache);
        }
    }

    @Override
    public long allocateZeroed(long size, int siteId) {
        if (size > SizeClasses.MAX_SMALL_SIZE) {
            return allocateOther(size, true, siteId);
        }
        long address = allocate(size, siteId);
        if (address != 0) {
            pageMap.spanOf(address).zero(address, size);
        }
        return address;
    }

    @Override
    public long allocateZeroed(long size) {
        return allocateZeroed(size, 0);
    }

    @Override
    public void free(long address) {
        int result = release(address);
        if (result != RELEASED) {
            throw invalidFree(address, result);
        }
    }

    /** The exception for a {@link #release} that did not free: the cold path works out why. */
    private InvalidFreeException invalidFree(long address, int result) {
        Span span = pageMap.spanOf(address);
        if (result == FOREIGN || span == null) {
            return new InvalidFreeException(address, InvalidFreeException.Reason.FOREIGN, "");
        }
        return invalid(span, address, span.blockIndex(address) < 0 ? Span.INTERIOR : Span.NOT_ALLOCATED);
    }

    /** The hit path is Box 1's ({@link ThreadCaches#release}); its results are this interface's. */
    @Override
    public int release(long address) {
        return caches.release(address);
    }

    private static InvalidFreeException invalid(Span span, long address, int result) {
        if (span.isVacant()) {
            return new InvalidFreeException(address, InvalidFreeException.Reason.NOT_ALLOCATED,
                    " (in pages of hakmem's memory that hold no blocks now: a free of a block given back?)");
        }
        String where = " (in a span of " + span.blockSize() + "-byte blocks at 0x" + Long.toHexString(span.base());
        int site = span.siteOf(address, HotPathFlags.CHECKS);
        where += site != 0 ? ", site " + site + ")" : ")";
        return new InvalidFreeException(address, result == Span.INTERIOR
                ? InvalidFreeException.Reason.INTERIOR : InvalidFreeException.Reason.NOT_ALLOCATED, where);
    }

    @Override
    public boolean tryFree(long address) {
        int result = release(address);
        if (result == NOT_A_LIVE_BLOCK) {
            long count = (long) INVALID_FREES.getAndAdd(this, 1L) + 1;
            if (count == 1) {
                LOG.warn("{}; further invalid frees are only counted (HakmemStats.invalidFrees)",
                        invalidFree(address, result).getMessage());
            }
        }
        return result != FOREIGN;
    }

    @Override
    public long reallocate(long address, long newSize) {
        if (newSize < 0) {
            throw new IllegalArgumentException("hakmem: cannot reallocate to a negative size: " + newSize);
        }
        if (address == 0) {
            return allocate(newSize);
        }
        Span span = liveBlock(address);
        if (newSize == 0) {
            free(address);
            return 0;
        }
        long usable = span.blockSize();
        boolean fits = newSize <= usable && (span.sizeClass() == SizeClasses.HUGE
                ? newSize > usable / 2 : SizeClasses.classOf((int) Math.min(newSize, SizeClasses.MAX_SMALL_SIZE)) == span.sizeClass());
        if (fits) {
            return address;
        }
        int site = span.siteOf(address, HotPathFlags.CHECKS);
        long moved = allocate(newSize, site);
        Span target = pageMap.spanOf(moved);
        Span.copy(span, address, target, moved, Math.min(usable, newSize));
        free(address);
        return moved;
    }

    private Span liveBlock(long address) {
        Span span = pageMap.spanOf(address);
        if (span == null) {
            throw new InvalidFreeException(address, InvalidFreeException.Reason.FOREIGN, "");
        }
        if (span.blockIndex(address) < 0) {
            throw invalid(span, address, Span.INTERIOR);
        }
        if (HotPathFlags.CHECKS && !span.isAllocated(address)) {
            throw invalid(span, address, Span.NOT_ALLOCATED);
        }
        return span;
    }

    @Override
    public long usableSize(long address) {
        return liveBlock(address).blockSize();
    }

    @Override
    public boolean owns(long address) {
        return pageMap.spanOf(address) != null;
    }

    @Override
    public int siteOf(long address) {
        Span span = pageMap.spanOf(address);
        return span == null ? 0 : span.siteOf(address, HotPathFlags.CHECKS);
    }

    @Override
    public void sampleAllocations(long meanBytes, AllocationSampler sampler) {
        caches.sampling().install(meanBytes, sampler == null ? null : sampler::sampled);
    }

    @Override
    public int liveSiteOf(long address) {
        Span span = pageMap.spanOf(address);
        return span == null ? 0 : span.siteOf(address, false);
    }

    /**
     * Live blocks from the blocks themselves ({@link RefillEngine#tallyLiveSites}), first, then the
     * allocation counters: a block allocated in between counts as allocated and freed until the
     * next call, never as a negative free.
     */
    @Override
    public List<SiteUsage> siteUsage() {
        SiteTally live = engine.tallyLiveSites();
        caches.sweepAll();
        SiteCounters counters = caches.siteTotals();
        List<SiteUsage> usage = new ArrayList<>();
        for (int site = 1; site < counters.siteLimit(); site++) {
            long allocations = counters.allocations(site);
            if (allocations != 0) {
                long bytesAllocated = counters.bytesAllocated(site);
                long frees = Math.max(0, allocations - live.liveBlocks(site));
                long bytesFreed = Math.max(0, bytesAllocated - live.liveBytes(site));
                usage.add(new SiteUsage(site, allocations, frees, bytesAllocated, bytesFreed));
            }
        }
        return usage;
    }

    @Override
    public HakmemStats stats() {
        caches.sweepAll();
        CacheTotals c = caches.totals();
        RefillStats r = engine.stats();
        return new HakmemStats(c.allocations(), c.frees(), c.bytesAllocated(), c.bytesFreed(),
                c.bytesAllocated() - c.bytesFreed(), c.allocations() - c.frees(), c.cachedBytes(), r.bytesInUse(), r.limitBytes(),
                r.mappedBytes(), r.chunks(), r.chunksUnmapped(), r.spans(), r.hugeBlocks(), c.remoteFrees(),
                (long) INVALID_FREES.getVolatile(this), r.eventsDropped(), c.liveCaches(), c.retiredCaches(), r.osRoute(),
                learner != null, engine.chunkDecayMillis(), learner == null ? 0 : learner.snapshot().decisions(),
                CacheBudget.bytesOf(policy.current()), r.dirtyBytes(), r.purgedBytes(), r.purgeCalls(), engine.dirtyDecayMillis(),
                r.orphanSpans(), r.orphansAdopted());
    }

    /** For tests: where the policy is published (contract B). */
    PolicySource policySource() {
        return policy;
    }

    /** For tests without the learner's thread: one round of the learner, as if at {@code nowNanos}. */
    void learnerRound(long nowNanos) {
        learner.runOnce(nowNanos);
    }

    /**
     * Hands over the calling thread's pending frees of other threads' blocks, empties the caches of
     * virtual threads (stripes not in use right now), retires dead threads' caches, then gives empty
     * chunks and cached huge mappings back to the OS.
     */
    @Override
    public void trim() {
        Thread thread = Thread.currentThread();
        ThreadCache own = caches.ownCache(thread);
        if (own != null) {
            own.flushRemoteFrees();
        }
        caches.flushIdleStripes();
        caches.sweepAll();
        engine.trim();
    }

    @Override
    public void releaseThreadCache() {
        caches.releaseCurrent();
    }

    @Override
    public void close() {
        if (learner != null) {
            learner.close();
        }
        engine.close();
    }
}
