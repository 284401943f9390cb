package dev.hakmem.agent.observe;

import dev.hakmem.DebugFinding;
import dev.hakmem.Hakmem;
import dev.hakmem.agent.site.SiteRegistry;

import java.util.function.LongToIntFunction;

/**
 * JFR events for what happens on an allocating thread (a forced GC, a limit failure, an invalid
 * free) or on debug mode's thread. Each method reads one volatile flag and returns when no
 * recording runs: no allocation, no JFR class touched. While one runs, the event is built only to
 * ask that recording whether it wants it ({@code shouldCommit}), and the sites are described only then.
 *
 * <p>The flag follows the JVM's recordings from the moment {@link Observability#start} ran; before
 * that, or in a JVM without the {@code jdk.jfr} module, nothing is emitted. This class names no
 * {@code jdk.jfr} type, so loading it never needs that module.
 */
public final class HakmemEvents {
    /** The site of the block at an address, from the process-wide allocator, which serves in replace mode. */
    private static final LongToIntFunction ALLOCATED_AT = new LongToIntFunction() {
        @Override
        public int applyAsInt(long address) {
            return Hakmem.allocator().siteOf(address);
        }
    };

    /** True while at least one JFR recording runs; written by {@link JfrHooks} only. */
    private static volatile boolean recording;

    private HakmemEvents() {
    }

    static void recording(boolean running) {
        recording = running;
    }

    static boolean recording() {
        return recording;
    }

    /**
     * {@code hakmem.ForcedGc}: the direct-memory limit is about to force a {@code System.gc()}. Called on the
     * allocating thread, so the event's stack is the allocation's.
     */
    public static void forcedGc(long reservedBytes, long limitBytes) {
        if (recording) {
            JfrEvents.forcedGc(reservedBytes, limitBytes);
        }
    }

    /**
     * {@code hakmem.DirectLimitFailure}: a direct buffer is refused at the limit (just before the
     * {@code OutOfMemoryError} is thrown, with the same words).
     *
     * @param site     the refused call site, described
     * @param topSites the sites holding the most live bytes, described
     */
    public static void directLimitFailure(long requestedBytes, String site, long limitBytes, long reservedBytes, String topSites) {
        if (recording) {
            JfrEvents.directLimitFailure(requestedBytes, site, limitBytes, reservedBytes, topSites);
        }
    }

    /**
     * {@code hakmem.InvalidFree}: a free (or reallocation) of an address that is not the start of a
     * live block, ignored (replace mode). Every one is emitted while recording, not only the first,
     * which is logged; the site the block there was allocated at is looked up only for a committed event.
     */
    public static void invalidFree(long address, int freeSite, SiteRegistry sites) {
        invalidFree(address, freeSite, ALLOCATED_AT, sites);
    }

    /** As {@link #invalidFree(long, int, SiteRegistry)}, with the allocation site looked up by {@code allocatedAt}. */
    static void invalidFree(long address, int freeSite, LongToIntFunction allocatedAt, SiteRegistry sites) {
        if (recording) {
            JfrEvents.invalidFree(address, freeSite, allocatedAt, sites);
        }
    }

    /** {@code hakmem.DebugFinding}: a finding of debug mode, once (when it is first logged). */
    public static void debugFinding(DebugFinding finding, SiteRegistry sites) {
        if (recording) {
            JfrEvents.debugFinding(finding, sites);
        }
    }
}
