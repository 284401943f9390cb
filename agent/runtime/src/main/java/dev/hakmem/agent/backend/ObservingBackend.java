package dev.hakmem.agent.backend;

import dev.hakmem.SiteUsage;
import dev.hakmem.agent.site.CallPathSampler;
import dev.hakmem.agent.site.DirectMemoryApi;
import dev.hakmem.agent.site.OldestBlocks;
import dev.hakmem.agent.site.SiteRegistry;
import dev.hakmem.agent.site.StackSites;

import java.nio.HakmemBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Observe mode: the JDK allocates and frees as it always does; hakmem only attributes. Direct buffers
 * count as freed when their release runs: the bridge builds them as the JDK does, with the JDK's
 * memory, limit and cleaner, and its release thunk also calls {@link #observeDirectRelease} (after
 * GC, or at once through {@code invokeCleaner}); {@code Unsafe} blocks are remembered by address
 * until freed. Sizes are the requested sizes. This mode costs more per call than replace mode: it is
 * for finding out where memory goes, not for production speed.
 */
public final class ObservingBackend extends HakmemBackend implements SiteUsageSource {
    private final Map<Integer, Tally> tallies = new ConcurrentHashMap<>();
    private final Map<Long, Block> liveUnsafeBlocks = new ConcurrentHashMap<>();
    private final AtomicLong forcedGcs = new AtomicLong();
    private final StackSites segmentSites;
    private final CallPathSampler paths;

    /**
     * @param sites      where sites found from the stack (native segments) and call paths are registered
     * @param stacks     what {@code stacks=} asked for
     * @param stackBytes the mean bytes between two samples on one thread
     */
    public ObservingBackend(SiteRegistry sites, CallPathSampler.Mode stacks, long stackBytes) {
        this.segmentSites = new StackSites(sites, DirectMemoryApi.SEGMENT_ALLOCATE);
        this.paths = new CallPathSampler(sites, stacks, stackBytes, System::currentTimeMillis, new OldestBlocks((address, id) -> {
            Block block = liveUnsafeBlocks.get(address);
            return block != null && block.site() == id;
        }));
    }

    @Override
    public CallPathSampler paths() {
        return paths;
    }

    @Override
    public int segmentSite(long bytes) {
        return segmentSites.siteOf(bytes);
    }

    @Override
    public int observeDirect(int capacity, int site) {
        int id = paths.observed(0, capacity, site);
        tally(id).allocated(capacity);
        return id;
    }

    @Override
    public void observeDirectRelease(int capacity, int site) {
        tally(site).freed(capacity);
    }

    @Override
    public void observeMemory(long oldAddress, long address, long bytes, int site) {
        if (oldAddress != 0) {
            observeFree(oldAddress, site);
        }
        if (address != 0) {
            int id = paths.observed(address, bytes, site);
            // in the table first: the sampler's age of the block checks it there
            liveUnsafeBlocks.put(address, new Block(id, bytes));
            tally(id).allocated(bytes);
        }
    }

    @Override
    public void observeFree(long address, int site) {
        Block block = address == 0 ? null : liveUnsafeBlocks.remove(address);
        if (block != null) {
            tally(block.site()).freed(block.bytes());
        }
    }

    private Tally tally(int site) {
        return tallies.computeIfAbsent(site, Tally::new);
    }

    @Override
    public boolean replaces() {
        return false;
    }

    @Override
    public long reserveDirect(int capacity, int site) {
        throw new IllegalStateException("hakmem: reserveDirect called in observe mode");
    }

    @Override
    public void releaseDirect(long address, int capacity) {
        // never called in observe mode; and a release must never throw
    }

    @Override
    public void countForcedGc() {
        forcedGcs.incrementAndGet();
    }

    @Override
    public OutOfMemoryError directLimitError(int capacity, int site) {
        return new OutOfMemoryError("hakmem: direct memory limit reached in observe mode");
    }

    @Override
    public long allocateMemory(long bytes, int site) {
        throw new IllegalStateException("hakmem: allocateMemory called in observe mode");
    }

    @Override
    public boolean owns(long address) {
        return false;
    }

    @Override
    public long reallocateMemory(long address, long bytes, int site) {
        throw new IllegalStateException("hakmem: reallocateMemory called in observe mode");
    }

    @Override
    public boolean freeMemory(long address, int site) {
        throw new IllegalStateException("hakmem: freeMemory called in observe mode");
    }

    @Override
    public List<SiteUsage> siteUsage() {
        List<SiteUsage> usage = new ArrayList<>();
        for (Tally t : tallies.values()) {
            usage.add(new SiteUsage(t.site, t.allocations.sum(), t.frees.sum(), t.bytesAllocated.sum(), t.bytesFreed.sum()));
        }
        usage.sort((a, b) -> Integer.compare(a.siteId(), b.siteId()));
        return usage;
    }

    @Override
    public long invalidFrees() {
        return 0;
    }

    @Override
    public long forcedGcs() {
        return forcedGcs.get();
    }

    @Override
    public long directReservedBytes() {
        return 0;
    }

    @Override
    public long directLimitBytes() {
        return HakmemBackend.jdkMaxDirectMemory();
    }

    private record Block(int site, long bytes) {
    }

    private static final class Tally {
        final int site;
        final LongAdder allocations = new LongAdder();
        final LongAdder frees = new LongAdder();
        final LongAdder bytesAllocated = new LongAdder();
        final LongAdder bytesFreed = new LongAdder();

        Tally(int site) {
            this.site = site;
        }

        void allocated(long bytes) {
            allocations.increment();
            bytesAllocated.add(bytes);
        }

        void freed(long bytes) {
            frees.increment();
            bytesFreed.add(bytes);
        }
    }
}
