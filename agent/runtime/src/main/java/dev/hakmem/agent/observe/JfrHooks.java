package dev.hakmem.agent.observe;

import dev.hakmem.agent.report.ReportSnapshot;
import dev.hakmem.agent.report.SiteRow;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * hakmem's part in JFR, nothing until the JVM's Flight Recorder starts (at start-up with
 * {@code -XX:StartFlightRecording}, or later with {@code jcmd <pid> JFR.start}, JMC or the API): then
 * the periodic events {@code hakmem.SiteSnapshot} and {@code hakmem.Totals} are added, which JFR's
 * periodic-task thread emits at the recording's {@code period} (10 s unless its settings say
 * otherwise), and {@link HakmemEvents}' flag follows whether any recording runs.
 */
final class JfrHooks implements FlightRecorderListener {
    private static final Logger LOG = LoggerFactory.getLogger(JfrHooks.class);

    private final Supplier<ReportSnapshot> snapshots;
    private final int topSites;
    private final Runnable sitesHook = new Runnable() {
        @Override
        public void run() {
            emitSites();
        }
    };
    private final Runnable totalsHook = new Runnable() {
        @Override
        public void run() {
            emitTotals();
        }
    };
    /** Ids of the recordings running now; guarded by this. */
    private final Set<Long> running = new HashSet<>();
    /** Guarded by this. */
    private boolean hooked;
    private volatile boolean closed;

    private JfrHooks(Supplier<ReportSnapshot> snapshots, int topSites) {
        this.snapshots = snapshots;
        this.topSites = topSites;
    }

    /** Listens to the Flight Recorder: at once if it runs already, else when something starts it. */
    static JfrHooks install(Supplier<ReportSnapshot> snapshots, int topSites) {
        JfrHooks hooks = new JfrHooks(snapshots, topSites);
        FlightRecorder.addListener(hooks);
        return hooks;
    }

    @Override
    public void recorderInitialized(FlightRecorder recorder) {
        synchronized (this) {
            if (hooked || closed) {
                return;
            }
            hooked = true;
        }
        // called under JFR's own lock: these only add to its tables
        FlightRecorder.addPeriodicEvent(SiteSnapshotEvent.class, sitesHook);
        FlightRecorder.addPeriodicEvent(TotalsEvent.class, totalsHook);
        for (Recording r : recorder.getRecordings()) {
            recordingStateChanged(r);
        }
    }

    @Override
    public synchronized void recordingStateChanged(Recording recording) {
        if (closed) {
            return;
        }
        if (recording.getState() == RecordingState.RUNNING) {
            running.add(recording.getId());
        } else {
            running.remove(recording.getId());
        }
        HakmemEvents.recording(!running.isEmpty());
    }

    private void emitSites() {
        ReportSnapshot snapshot = snapshot();
        if (snapshot == null) {
            return;
        }
        int rank = 0;
        for (SiteRow row : snapshot.topByLiveBytes(topSites)) {
            SiteSnapshotEvent event = new SiteSnapshotEvent();
            event.rank = ++rank;
            event.className = row.site().className();
            event.method = row.site().method();
            event.line = row.site().line();
            event.api = row.site().api().label();
            event.location = row.site().location();
            event.liveBytes = row.liveBytes();
            event.liveBlocks = row.liveBlocks();
            event.allocations = row.allocations();
            event.frees = row.frees();
            event.bytesAllocated = row.bytesAllocated();
            event.peakLiveBytes = row.peakLiveBytes();
            event.peakAt = row.peakAtMillis();
            event.behaviour = row.behaviour().name();
            event.commit();
        }
    }

    private void emitTotals() {
        ReportSnapshot snapshot = snapshot();
        if (snapshot == null) {
            return;
        }
        TotalsEvent event = new TotalsEvent();
        event.mode = String.valueOf(snapshot.totals().getOrDefault("mode", ""));
        event.memoryRoute = String.valueOf(snapshot.totals().getOrDefault("memoryRoute", ""));
        event.sites = snapshot.total("sites");
        event.allocations = snapshot.total("allocations");
        event.frees = snapshot.total("frees");
        event.bytesAllocated = snapshot.total("bytesAllocated");
        event.liveBytes = snapshot.total("liveBytes");
        event.liveBlocks = snapshot.total("liveBlocks");
        event.directReservedBytes = snapshot.total("directReservedBytes");
        event.directLimitBytes = snapshot.total("directLimitBytes");
        event.invalidFrees = snapshot.total("invalidFrees");
        event.forcedGcs = snapshot.total("forcedGcs");
        event.commit();
    }

    /** @return the (cached) snapshot, or null after {@link #close()} or if taking it failed (logged) */
    private ReportSnapshot snapshot() {
        if (closed) {
            return null;
        }
        try {
            return snapshots.get();
        } catch (RuntimeException e) {
            LOG.debug("hakmem: no snapshot for JFR's periodic events", e);
            return null;
        }
    }

    /** Removes the periodic events and the listener; the events of {@link HakmemEvents} stop. */
    void close() {
        synchronized (this) {
            closed = true;
            running.clear();
            HakmemEvents.recording(false);
        }
        FlightRecorder.removePeriodicEvent(sitesHook);
        FlightRecorder.removePeriodicEvent(totalsHook);
        FlightRecorder.removeListener(this);
    }
}
