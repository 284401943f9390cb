package dev.hakmem.agent.report;

import dev.hakmem.DebugFinding;
import dev.hakmem.agent.observe.HakmemEvents;
import dev.hakmem.agent.site.SiteRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Logs what debug mode finds, once per finding, naming the allocating and the freeing call site by
 * class, method and line (the allocator itself knows only their ids). The allocator keeps one record
 * per kind and allocating site, in the order first found, so the records not logged yet are the
 * tail of its list.
 */
public final class DebugFindingsLog {
    private static final Logger LOG = LoggerFactory.getLogger(DebugFindingsLog.class);

    private final SiteRegistry sites;
    private int logged;

    public DebugFindingsLog(SiteRegistry sites) {
        this.sites = sites;
    }

    /** @param findings the allocator's records so far ({@code HakmemAllocator.debugFindings()}) */
    public synchronized void logNew(List<DebugFinding> findings) {
        for (int i = logged; i < findings.size(); i++) {
            LOG.warn("hakmem debug: {}", describe(findings.get(i), sites));
            HakmemEvents.debugFinding(findings.get(i), sites);
        }
        logged = Math.max(logged, findings.size());
    }

    /** One finding in words, with its sites by class, method and line. */
    public static String describe(DebugFinding f, SiteRegistry sites) {
        String what = f.kind() == DebugFinding.Kind.USE_AFTER_FREE
                ? "a write after free: " + f.size() + "-byte block 0x" + Long.toHexString(f.address()) + " was written at offset "
                        + f.offset() + " after it was freed (found when it was handed out again)"
                : "a write past the end: " + f.size() + "-byte block 0x" + Long.toHexString(f.address())
                        + " was written at offset " + f.offset() + " (found when it was freed)";
        return what + "; allocated at " + sites.describe(f.allocationSite()) + ", freed at " + sites.describe(f.freeSite())
                + "; " + f.occurrences() + (f.occurrences() == 1 ? " block" : " blocks") + " of that site so far";
    }
}
