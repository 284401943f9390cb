package dev.hakmem.agent.backend;

import dev.hakmem.Hakmem;
import dev.hakmem.HakmemAllocator;
import dev.hakmem.HakmemStats;
import dev.hakmem.InvalidFreeException;
import dev.hakmem.SiteUsage;
import dev.hakmem.agent.observe.HakmemEvents;
import dev.hakmem.agent.site.CallPathSampler;
import dev.hakmem.agent.site.DirectMemoryApi;
import dev.hakmem.agent.site.OldestBlocks;
import dev.hakmem.agent.site.SiteRegistry;
import dev.hakmem.agent.site.StackSites;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.HakmemBackend;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Replace mode: hakmem serves every rewritten call. Direct buffers get zeroed blocks counted against
 * the {@link DirectMemoryLimit}; {@code Unsafe} memory is not limited, as with the JDK. Frees of
 * addresses hakmem does not own never reach here (the bridge gives them to the JDK).
 */
public final class ServingBackend extends HakmemBackend implements SiteUsageSource {
    private static final Logger LOG = LoggerFactory.getLogger(ServingBackend.class);
    private static final int SITES_IN_LIMIT_ERROR = 3;

    private final SiteRegistry sites;
    private final StackSites segmentSites;
    private final DirectMemoryLimit limit;
    /** False with {@code sites=false}: blocks carry no site (to measure what attribution costs). */
    private final boolean attribute;
    private final CallPathSampler paths;
    private final AtomicLong forcedGcs = new AtomicLong();
    private final AtomicLong invalidFrees = new AtomicLong();
    private final AtomicLong failedReleases = new AtomicLong();

    /**
     * Serves from {@link Hakmem#allocator()}, the process-wide allocator of the agent's module layer,
     * and has it sample allocations for call paths and ages ({@link CallPathSampler}).
     *
     * @param attribute  false: no site on any block, no sampling (reports list no sites)
     * @param stacks     what {@code stacks=} asked for
     * @param stackBytes the mean bytes between samples of a site on one thread
     */
    public ServingBackend(SiteRegistry sites, long limitBytes, boolean attribute, CallPathSampler.Mode stacks, long stackBytes) {
        this.sites = sites;
        this.segmentSites = new StackSites(sites, DirectMemoryApi.SEGMENT_ALLOCATE);
        this.limit = new DirectMemoryLimit(limitBytes);
        this.attribute = attribute;
        if (attribute) {
            HakmemAllocator allocator = hakmem();
            this.paths = new CallPathSampler(sites, stacks, stackBytes, System::currentTimeMillis,
                    new OldestBlocks((address, id) -> allocator.liveSiteOf(address) == id));
            allocator.sampleAllocations(paths.meanBytes(), paths);
        } else {
            this.paths = null;
        }
    }

    @Override
    public CallPathSampler paths() {
        return paths;
    }

    /** @return the site a block is allocated with: none with {@code sites=false} */
    private int tag(int site) {
        return attribute ? site : 0;
    }

    /**
     * A constant to the JIT (a {@code static final} in {@link Hakmem}), so it knows the allocator's
     * class: through an interface-typed field every call paid a class check (an {@code Unsafe}
     * allocate + free went from 171 to 165 instructions without it).
     */
    private static HakmemAllocator hakmem() {
        return Hakmem.allocator();
    }

    @Override
    public long reserveDirect(int capacity, int site) {
        if (!limit.tryReserve(capacity)) {
            return 0;
        }
        try {
            return capacity > BRIDGE_ZEROES_UP_TO ? hakmem().allocateZeroed(capacity, tag(site))
                    : hakmem().allocate(Math.max(capacity, 1), tag(site));
        } catch (Throwable t) {
            limit.release(capacity);
            throw t;
        }
    }

    @Override
    public void releaseDirect(long address, int capacity) {
        try {
            limit.release(capacity);
            hakmem().free(address);
        } catch (Throwable t) {
            if (failedReleases.incrementAndGet() == 1) {
                LOG.error("hakmem: releasing a direct buffer at 0x{} failed; further failures are only counted",
                        Long.toHexString(address), t);
            }
        }
    }

    @Override
    public int observeDirect(int capacity, int site) {
        throw new IllegalStateException("hakmem: observeDirect called in replace mode");
    }

    @Override
    public void observeDirectRelease(int capacity, int site) {
        // never called in replace mode, and a release must never throw
    }

    @Override
    public boolean replaces() {
        return true;
    }

    @Override
    public void countForcedGc() {
        forcedGcs.incrementAndGet();
        HakmemEvents.forcedGc(limit.reserved(), limit.limit());
    }

    @Override
    public OutOfMemoryError directLimitError(int capacity, int site) {
        List<SiteUsage> top = sites.bySite(hakmem().siteUsage()).stream()
                .filter(u -> u.liveBytes() > 0)
                .sorted(Comparator.comparingLong(SiteUsage::liveBytes).reversed())
                .limit(SITES_IN_LIMIT_ERROR)
                .toList();
        String holders = top.isEmpty() ? "no rewritten site holds live memory"
                : top.stream().map(u -> u.liveBytes() + " bytes in " + u.liveBlocks() + " blocks at " + sites.describe(u.siteId()))
                        .collect(Collectors.joining("; "));
        HakmemEvents.directLimitFailure(capacity, sites.describe(site), limit.limit(), limit.reserved(), holders);
        return new OutOfMemoryError("Cannot reserve " + capacity + " bytes of direct buffer memory for "
                + sites.describe(site) + ": hakmem's direct memory limit is " + limit.limit() + " bytes (-XX:MaxDirectMemorySize,"
                + " or the agent option limit=), " + limit.reserved() + " in use; most live bytes: " + holders);
    }

    @Override
    public long allocateMemory(long bytes, int site) {
        if (bytes <= 0) {
            if (bytes == 0) {
                return 0;
            }
            throw new IllegalArgumentException("Unsafe.allocateMemory of a negative size: " + bytes + " at " + sites.describe(site));
        }
        return hakmem().allocate(bytes, tag(site));
    }

    @Override
    public boolean owns(long address) {
        return hakmem().owns(address);
    }

    @Override
    public long reallocateMemory(long address, long bytes, int site) {
        if (bytes < 0) {
            throw new IllegalArgumentException("Unsafe.reallocateMemory to a negative size: " + bytes + " at " + sites.describe(site));
        }
        if (address == 0) {
            return bytes == 0 ? 0 : hakmem().allocate(bytes, tag(site));
        }
        try {
            return hakmem().reallocate(address, bytes);
        } catch (InvalidFreeException e) {
            reportInvalidFree(address, site);
            throw new IllegalArgumentException("Unsafe.reallocateMemory of an address that is not a live block: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean freeMemory(long address, int site) {
        int result = hakmem().release(address, site);
        if (result == HakmemAllocator.NOT_A_LIVE_BLOCK) {
            reportInvalidFree(address, site);
        }
        return result != HakmemAllocator.FOREIGN;
    }

    private void reportInvalidFree(long address, int site) {
        HakmemEvents.invalidFree(address, site, sites);
        if (invalidFrees.incrementAndGet() == 1) {
            // described from the address alone: calling free() again for its message could free a block
            // another thread was handed in the meantime
            LOG.warn("hakmem: invalid free of 0x{}: not the start of a live block (a double free, or a pointer into a block), "
                            + "at {}; the block was last allocated at {}. The free is ignored and the application goes on; "
                            + "further invalid frees are only counted (report: totals.invalidFrees)",
                    Long.toHexString(address), sites.describe(site), sites.describe(hakmem().siteOf(address)));
        }
    }

    @Override
    public void observeMemory(long oldAddress, long address, long bytes, int site) {
        throw new IllegalStateException("hakmem: observeMemory called in replace mode");
    }

    @Override
    public void observeFree(long address, int site) {
        throw new IllegalStateException("hakmem: observeFree called in replace mode");
    }

    @Override
    public List<SiteUsage> siteUsage() {
        return hakmem().siteUsage();
    }

    @Override
    public long invalidFrees() {
        return invalidFrees.get();
    }

    @Override
    public long forcedGcs() {
        return forcedGcs.get();
    }

    @Override
    public long directReservedBytes() {
        return limit.reserved();
    }

    @Override
    public long directLimitBytes() {
        return limit.limit();
    }

    @Override
    public int segmentSite(long bytes) {
        return attribute ? segmentSites.siteOf(bytes) : 0;
    }

    @Override
    public HakmemStats allocatorStats() {
        return hakmem().stats();
    }

}
