package dev.hakmem.agent.backend;

import dev.hakmem.HakmemStats;
import dev.hakmem.SiteUsage;
import dev.hakmem.agent.site.CallPathSampler;

import java.util.List;

/** What the report and the limit's error message read from a backend. */
public interface SiteUsageSource {

    /** Per-id counters (sites and their call paths), in usable bytes (replace mode) or requested bytes (observe mode). */
    List<SiteUsage> siteUsage();

    /** Frees refused as double or interior frees. */
    long invalidFrees();

    /** {@code System.gc()} calls forced by the direct-memory limit. */
    long forcedGcs();

    /** Bytes of direct-buffer capacity counted against the limit now. */
    long directReservedBytes();

    long directLimitBytes();

    /** The sampler of call paths and block ages, or null if none runs. */
    default CallPathSampler paths() {
        return null;
    }

    /** The allocator's own statistics, which the sites' sums must reconcile with; null when the JDK allocates. */
    default HakmemStats allocatorStats() {
        return null;
    }
}
