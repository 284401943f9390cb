package dev.hakmem.agent.observe;

import dev.hakmem.DebugFinding;
import dev.hakmem.agent.site.SiteRegistry;

import java.util.function.LongToIntFunction;

/**
 * Builds and commits the events {@link HakmemEvents} emits, once it knows a recording runs (so this
 * class, and {@code jdk.jfr}, load only then). An event object is built to ask the recording whether
 * it wants the event ({@code shouldCommit}); its strings are made only if so.
 */
final class JfrEvents {
    private JfrEvents() {
    }

    static void forcedGc(long reservedBytes, long limitBytes) {
        ForcedGcEvent event = new ForcedGcEvent();
        if (event.shouldCommit()) {
            event.reservedBytes = reservedBytes;
            event.limitBytes = limitBytes;
            event.commit();
        }
    }

    static void directLimitFailure(long requestedBytes, String site, long limitBytes, long reservedBytes, String topSites) {
        DirectLimitFailureEvent event = new DirectLimitFailureEvent();
        if (event.shouldCommit()) {
            event.requestedBytes = requestedBytes;
            event.site = site;
            event.limitBytes = limitBytes;
            event.reservedBytes = reservedBytes;
            event.topSites = topSites;
            event.commit();
        }
    }

    static void invalidFree(long address, int freeSite, LongToIntFunction allocationSite, SiteRegistry sites) {
        InvalidFreeEvent event = new InvalidFreeEvent();
        if (event.shouldCommit()) {
            event.address = address;
            event.freeSite = sites.describe(freeSite);
            event.allocationSite = sites.describe(allocationSite.applyAsInt(address));
            event.commit();
        }
    }

    static void debugFinding(DebugFinding finding, SiteRegistry sites) {
        DebugFindingEvent event = new DebugFindingEvent();
        if (event.shouldCommit()) {
            event.kind = finding.kind().name();
            event.address = finding.address();
            event.size = finding.size();
            event.offset = finding.offset();
            event.allocationSite = sites.describe(finding.allocationSite());
            event.freeSite = sites.describe(finding.freeSite());
            event.occurrences = finding.occurrences();
            event.commit();
        }
    }
}
