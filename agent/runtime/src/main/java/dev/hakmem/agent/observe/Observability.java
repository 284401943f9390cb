package dev.hakmem.agent.observe;

import dev.hakmem.agent.report.ReportSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.InstanceNotFoundException;
import javax.management.MBeanRegistrationException;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What existing monitoring reads from hakmem, all fed by one snapshot supplier:
 * <ul>
 *   <li>JFR: the periodic events {@code hakmem.SiteSnapshot} (the top sites) and {@code hakmem.Totals},
 *       added when the Flight Recorder starts, and the flag behind {@link HakmemEvents};</li>
 *   <li>JMX: {@code dev.hakmem:type=Allocator} (totals, top sites, {@code writeReport(path)},
 *       {@code resetPeaks()}) and {@code java.nio:type=BufferPool,name=hakmem}, on the platform MBean
 *       server once it exists.</li>
 * </ul>
 * hakmem never creates the platform MBean server itself: that costs about 0.3 s of CPU (0.26 s of wall
 * time for a JVM that does nothing else, on the 2-core machine of the benchmarks), more than the
 * agent's own start. The application, a framework, {@code -Dcom.sun.management.jmxremote}, a console
 * that attaches (JConsole, VisualVM, {@code jcmd <pid> ManagementAgent.start_local}) or the Prometheus
 * JMX exporter creates it; hakmem registers at once if it exists and otherwise looks for it once every
 * {@value #SERVER_POLL_SECONDS} s on the scheduler it is given.
 *
 * <p>Nothing here runs on an allocating thread: attributes are read on JMX's threads, periodic events
 * on JFR's, each through a snapshot at most a second old ({@link CachedSnapshot}). A part that cannot
 * start is logged and left out; the agent goes on.
 */
public final class Observability implements AutoCloseable {
    /** Sites in {@code TopSites} and in each period's {@code hakmem.SiteSnapshot} events: enough to see what holds memory, few enough for a time series per site. */
    public static final int TOP_SITES = 20;
    /** How often to look for the platform MBean server until it exists: a console that attaches sees the beans within a second. */
    static final long SERVER_POLL_SECONDS = 1;
    private static final Logger LOG = LoggerFactory.getLogger(Observability.class);

    private final Supplier<MBeanServer> existingServer;
    private final List<Registration> beans;
    private final JfrHooks jfr;
    /** Guarded by this. */
    private MBeanServer server;
    /** The MBeans this instance registered; guarded by this. */
    private final List<ObjectName> registeredNames = new ArrayList<>();
    /** Guarded by this. */
    private ScheduledFuture<?> poll;
    /** Guarded by this. */
    private boolean closed;

    private record Registration(Object bean, String name) {
    }

    private Observability(Supplier<MBeanServer> existingServer, List<Registration> beans, JfrHooks jfr) {
        this.existingServer = existingServer;
        this.beans = beans;
        this.jfr = jfr;
    }

    /**
     * Hooks into JFR now (a few ms; call it before the backend serves, so that no event of the first
     * allocations is lost) and registers the MBeans as soon as the platform MBean server exists.
     *
     * @param snapshot    everything the report shows, now (may take a few ms: it is called at most once a second)
     * @param writeReport writes the report to a file, its format by the name's extension; false if it could not
     * @param resetPeaks  forgets every site's peak live bytes
     * @param scheduler   where to look for the platform MBean server once a second until it exists (a daemon
     *                    thread of the agent's; nothing is scheduled once it is found); null to look only now
     * @return what to close to unregister it all (or nothing: it goes with the JVM)
     */
    public static Observability start(Supplier<ReportSnapshot> snapshot, Predicate<Path> writeReport, Runnable resetPeaks,
                                      ScheduledExecutorService scheduler) {
        return start(snapshot, writeReport, resetPeaks, scheduler, Observability::platformServerIfCreated);
    }

    /** @param existingServer the server to register on, or null while there is none yet */
    static Observability start(Supplier<ReportSnapshot> snapshot, Predicate<Path> writeReport, Runnable resetPeaks,
                               ScheduledExecutorService scheduler, Supplier<MBeanServer> existingServer) {
        CachedSnapshot cached = new CachedSnapshot(snapshot, System::nanoTime);
        JfrHooks jfr = null;
        if (jfrReadable()) {
            try {
                jfr = JfrHooks.install(cached, TOP_SITES);
            } catch (RuntimeException | Error e) {
                LOG.warn("hakmem: JFR's hakmem events are not available", e);
            }
        } else {
            LOG.debug("hakmem: this JVM has no jdk.jfr module; no hakmem JFR events");
        }
        Observability o = new Observability(existingServer, List.of(
                new Registration(new AllocatorBean(cached, writeReport, resetPeaks, TOP_SITES), AllocatorBean.OBJECT_NAME),
                new Registration(new HakmemBufferPool(cached), HakmemBufferPool.OBJECT_NAME)), jfr);
        if (!o.registerIfServerExists() && scheduler != null) {
            o.pollForServer(scheduler);
        }
        return o;
    }

    private synchronized void pollForServer(ScheduledExecutorService scheduler) {
        try {
            poll = scheduler.scheduleWithFixedDelay(new Runnable() {
                @Override
                public void run() {
                    registerIfServerExists();
                }
            }, SERVER_POLL_SECONDS, SERVER_POLL_SECONDS, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            LOG.debug("hakmem: cannot look for the platform MBean server later; the MBeans are not registered", e);
        }
    }

    /** The platform MBean server if something created it already (it is made through {@link MBeanServerFactory}), else null. */
    private static MBeanServer platformServerIfCreated() {
        return MBeanServerFactory.findMBeanServer(null).isEmpty() ? null : ManagementFactory.getPlatformMBeanServer();
    }

    /** @return true once the MBeans are registered (or given up on, or closed): nothing more to look for */
    synchronized boolean registerIfServerExists() {
        if (closed || server != null) {
            return true;
        }
        MBeanServer found;
        try {
            found = existingServer.get();
        } catch (RuntimeException | Error e) {
            LOG.warn("hakmem: no platform MBean server; dev.hakmem:type=Allocator is not registered", e);
            found = null;
            closed = true;
        }
        if (found != null) {
            server = found;
            for (Registration r : beans) {
                ObjectName name = register(found, r);
                if (name != null) {
                    registeredNames.add(name);
                }
            }
        }
        if ((found != null || closed) && poll != null) {
            poll.cancel(false);
        }
        return found != null || closed;
    }

    /** @return the name registered, or null if it could not be (logged) */
    private static ObjectName register(MBeanServer server, Registration r) {
        try {
            ObjectName name = new ObjectName(r.name());
            server.registerMBean(r.bean(), name);
            return name;
        } catch (Exception | Error e) {
            LOG.warn("hakmem: could not register the MBean {} ({})", r.name(), e.toString());
            return null;
        }
    }

    /** True if this module reads {@code jdk.jfr}: the agent's module requires it only where the JVM has it. */
    private static boolean jfrReadable() {
        Module self = Observability.class.getModule();
        ModuleLayer layer = self.getLayer() != null ? self.getLayer() : ModuleLayer.boot();
        Optional<Module> jfr = layer.findModule("jdk.jfr");
        return jfr.isPresent() && self.canRead(jfr.get());
    }

    /** @return true if this instance registered the MBean {@code name} (another agent's may hold the name) */
    synchronized boolean registered(String name) {
        for (ObjectName n : registeredNames) {
            if (n.toString().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Unregisters the MBeans (if this instance registered them), stops looking for the server and leaves JFR; never throws. */
    @Override
    public void close() {
        MBeanServer registeredOn;
        List<ObjectName> names;
        synchronized (this) {
            closed = true;
            if (poll != null) {
                poll.cancel(false);
            }
            registeredOn = server;
            names = List.copyOf(registeredNames);
            registeredNames.clear();
        }
        for (ObjectName name : names) {
            try {
                registeredOn.unregisterMBean(name);
            } catch (InstanceNotFoundException | MBeanRegistrationException | RuntimeException e) {
                LOG.debug("hakmem: could not unregister {}", name, e);
            }
        }
        if (jfr != null) {
            try {
                jfr.close();
            } catch (RuntimeException e) {
                LOG.debug("hakmem: could not leave JFR", e);
            }
        }
    }
}
