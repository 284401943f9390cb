package dev.hakmem.agent.runtime;

import dev.hakmem.DebugFinding;
import dev.hakmem.Hakmem;
import dev.hakmem.HakmemConfig;
import dev.hakmem.HakmemStats;
import dev.hakmem.agent.backend.ObservingBackend;
import dev.hakmem.agent.backend.ServingBackend;
import dev.hakmem.agent.backend.SiteUsageSource;
import dev.hakmem.agent.observe.Observability;
import dev.hakmem.agent.report.DebugFindingsLog;
import dev.hakmem.agent.report.HtmlReport;
import dev.hakmem.agent.report.JsonReport;
import dev.hakmem.agent.report.ReportSampler;
import dev.hakmem.agent.report.ReportSnapshot;
import dev.hakmem.agent.report.Snapshots;
import dev.hakmem.agent.report.TextReport;
import dev.hakmem.agent.report.SitePeaks;
import dev.hakmem.agent.site.SiteRegistry;
import dev.hakmem.agent.transform.CallSiteTransformer;
import dev.hakmem.agent.transform.ClassFilter;
import dev.hakmem.agent.transform.SegmentFunnel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.HakmemBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The running agent: the backend installed behind the bridge, the transformer, and the report.
 * Loaded only after the bridge's classes exist in {@code java.base}.
 */
final class AgentServices {
    private static final Logger LOG = LoggerFactory.getLogger(AgentServices.class);
    private static AgentServices running;
    /** How often debug mode's findings are looked for, to log them soon after they are found. */
    private static final long DEBUG_POLL_MILLIS = 500;
    /** Until the start-up thread has installed a backend: nothing to report yet. */
    private static final SiteUsageSource NOT_STARTED = new SiteUsageSource() {
        @Override
        public java.util.List<dev.hakmem.SiteUsage> siteUsage() {
            return java.util.List.of();
        }

        @Override
        public long invalidFrees() {
            return 0;
        }

        @Override
        public long forcedGcs() {
            return 0;
        }

        @Override
        public long directReservedBytes() {
            return 0;
        }

        @Override
        public long directLimitBytes() {
            return 0;
        }
    };

    private final AgentOptions options;
    private final SiteRegistry registry = new SiteRegistry();
    private final SegmentFunnel segments;
    private final ClassFilter filter;
    private final CallSiteTransformer transformer;
    private final MethodHandles.Lookup nio;
    private final ModuleLayer.Controller layer;
    private final ReportSampler sampling;
    private final long startedAtMillis = System.currentTimeMillis();
    private volatile ScheduledExecutorService samplerThread;
    private final DebugFindingsLog debugLog = new DebugFindingsLog(registry);
    private volatile SiteUsageSource usage = NOT_STARTED;
    private volatile String osRoute = "starting";

    private AgentServices(AgentOptions options, MethodHandles.Lookup nio, ModuleLayer.Controller layer) {
        this.options = options;
        this.nio = nio;
        this.layer = layer;
        this.sampling = new ReportSampler(options.snapshotMillis());
        this.segments = options.ffm() ? new SegmentFunnel() : null;
        this.filter = new ClassFilter(options.includes(), options.excludes(), options.jdk(), AgentServices.class.getClassLoader(),
                segments);
        this.transformer = new CallSiteTransformer(registry, filter, new Runnable() { // no lambdas on the premain path
            @Override
            public void run() {
                startAllocator();
            }
        });
    }

    /** Run by the transformer when it rewrites the first call site. */
    private void startAllocator() {
        Thread starter = Thread.ofPlatform().name("hakmem-start").daemon().unstarted(new Runnable() {
            @Override
            public void run() {
                installBackend();
            }
        });
        try {
            // call sites this thread links (JDK code, with jdk=true) must not wait for it
            nio.findStatic(HakmemBackend.class, "starting", MethodType.methodType(void.class, Thread.class)).invoke(starter);
        } catch (Throwable t) {
            cannotStart("the bridge refused the start-up thread", t);
            abandon();
            return;
        }
        starter.start();
    }

    /** Call sites stay with the JDK for good; none waits for an allocator any longer. */
    private void abandon() {
        try {
            nio.findStatic(HakmemBackend.class, "abandon", MethodType.methodType(void.class)).invoke();
        } catch (Throwable t) {
            LOG.error("hakmem: could not tell the bridge that the agent gave up", t);
        }
    }

    static void cannotStart(String why, Throwable cause) {
        LOG.error("hakmem: the agent could not start ({}); the application runs on the JDK's allocator", why, cause);
    }

    /**
     * Installs the transformer at once, so that no class loaded after premain escapes it. The
     * allocator's creation (100-250 ms of CPU on a cold JVM: FFM downcall handles, VarHandles, the
     * first chunk) is left to a start-up thread that the transformer starts when it rewrites the first
     * call site: an application that never calls a direct-memory method pays nothing for it, and one
     * that does usually loads the calling class well before the call runs. A rewritten call that runs
     * before that thread is done waits for it once, in the bridge's class initialiser.
     */
    static void start(AgentOptions options, Instrumentation inst, boolean attached, MethodHandles.Lookup nio,
                      ModuleLayer.Controller layer, long startNanos) {
        AgentServices services = new AgentServices(options, nio, layer);
        try {
            services.admitRewrittenSites();
        } catch (Throwable t) {
            cannotStart("the bridge's linker could not be given the site registry", t);
            return;
        }
        running = services;
        inst.addTransformer(services.transformer, true);
        if (services.segments != null) {
            // off premain's path: it loads ASM and parses JDK classes (tens of ms); a segment made before it
            // is done is the JDK's, and freed by the JDK
            Thread.ofPlatform().name("hakmem-segments").daemon().start(new Runnable() {
                @Override
                public void run() {
                    services.segments.prepare(inst, services.transformer);
                }
            });
        }
        if (attached || options.jdk()) {
            LoadedClasses.retransformCallers(inst, services.filter, services.transformer);
        }
        if (options.summary() || !options.reports().isEmpty()) {
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("hakmem-report").unstarted(new Runnable() {
                @Override
                public void run() {
                    services.reportAtExit();
                }
            }));
        }
        LOG.info("hakmem agent: premain done in {} ms ({})", (System.nanoTime() - startNanos) / 1_000_000, options);
    }

    /** Lets the bridge link exactly the call sites this agent rewrites: a site id, in the class and loader it was registered for. */
    private void admitRewrittenSites() throws Throwable {
        SiteRegistry sites = registry;
        nio.findStatic(java.nio.HakmemLinker.class, "admit", MethodType.methodType(void.class, BiPredicate.class))
                .invoke(new BiPredicate<Class<?>, Integer>() { // no lambdas on the premain path
                    @Override
                    public boolean test(Class<?> holder, Integer site) {
                        return sites.declares(holder, site);
                    }
                });
    }

    private void installBackend() {
        long begin = System.nanoTime();
        HakmemBackend backend;
        String route = "jdk";
        if (options.replace()) {
            grantNativeAccess();
            if (options.debug()) {
                enableDebugMode();
            }
            if (options.learn() != null) {
                // the allocator reads its configuration once, when it starts just below
                System.setProperty(HakmemConfig.LEARN_PROPERTY, options.learn().toString());
            }
            long limit = options.limit() > 0 ? options.limit() : HakmemBackend.jdkMaxDirectMemory();
            try {
                route = Hakmem.allocator().stats().osRoute(); // starts it: a bad hakmem.* setting fails here
                backend = new ServingBackend(registry, limit, options.sites(), options.stacks(), options.stackBytes());
            } catch (Throwable t) {
                LOG.error("hakmem: the allocator could not start; the JDK allocates and hakmem only attributes (as mode=observe)", t);
                backend = new ObservingBackend(registry, options.stacks(), options.stackBytes());
            }
        } else {
            backend = new ObservingBackend(registry, options.stacks(), options.stackBytes());
        }
        osRoute = route;
        usage = (SiteUsageSource) backend;
        startSampling();
        Observability.start(this::snapshot, this::writeReport, sampling.peaks()::reset, samplerThread);
        try {
            nio.findStatic(HakmemBackend.class, "install", MethodType.methodType(void.class, HakmemBackend.class)).invoke(backend);
            nio.ensureInitialized(nio.findClass("java.nio.HakmemBridge")); // so that the first call does not pay for it
        } catch (Throwable t) {
            cannotStart("the backend could not be installed behind the bridge", t);
            abandon();
            return;
        }
        LOG.info("hakmem agent: allocator ready in {} ms (memory route {}, direct-buffer limit {} bytes)",
                (System.nanoTime() - begin) / 1_000_000, route, usage.directLimitBytes());
    }

    /**
     * Lets the allocator map memory with mmap (its fastest route, and the one that gives memory back
     * with madvise). Granted through the bridge, so that neither the agent's bootstrap class nor the
     * application ever holds native access; without it the allocator maps through /dev/shm.
     */
    private void grantNativeAccess() {
        if (layer == null) {
            return;
        }
        try {
            Module allocatorOs = layer.layer().findModule("dev.hakmem.refill").orElseThrow();
            nio.findStatic(HakmemBackend.class, "enableNativeAccess",
                    MethodType.methodType(void.class, ModuleLayer.Controller.class, Module.class)).invoke(layer, allocatorOs);
        } catch (Throwable t) {
            LOG.debug("hakmem: native access not granted; the allocator maps memory through /dev/shm", t);
        }
    }

    /**
     * Debug mode is a setting of the allocator (read once, when {@link Hakmem#allocator()} is created,
     * which has not happened yet); its findings are logged here, with the sites' names, rather than by
     * the allocator with bare site ids.
     */
    private void enableDebugMode() {
        System.setProperty("hakmem.debug", "true");
        System.setProperty("org.slf4j.simpleLogger.log.dev.hakmem.DebugFindings", "off");
        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("hakmem-debug").daemon().factory());
        watcher.scheduleWithFixedDelay(new Runnable() {
            @Override
            public void run() {
                logDebugFindings();
            }
        }, DEBUG_POLL_MILLIS, DEBUG_POLL_MILLIS, TimeUnit.MILLISECONDS);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("hakmem-debug-exit").unstarted(new Runnable() {
            @Override
            public void run() {
                watcher.shutdownNow();
                logDebugFindings();
            }
        }));
    }

    private List<DebugFinding> debugFindings() {
        return usage instanceof ServingBackend && options.debug() ? Hakmem.debugFindings() : List.of();
    }

    private void logDebugFindings() {
        try {
            debugLog.logNew(debugFindings());
        } catch (Throwable t) {
            LOG.debug("hakmem: reading debug mode's findings failed", t);
        }
    }

    /** A later {@code agentmain} into a JVM where hakmem already runs: writes the reports it names now, or the running ones. */
    static void attachedAgain(AgentOptions options) {
        AgentServices services = running;
        if (services == null) {
            return;
        }
        List<Path> reports = !options.reports().isEmpty() ? options.reports() : services.options.reports();
        if (reports.isEmpty()) {
            LOG.warn("hakmem: the agent already runs here; attach again with report=<file>.json|.txt|.html to get a report");
            return;
        }
        for (Path report : reports) {
            services.writeReport(report);
        }
    }

    /**
     * Samples the sites for peaks and the live-bytes history from the moment the allocator serves, and
     * at exit prints the summary and writes the reports asked for.
     */
    private void startSampling() {
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("hakmem-report-sampler").daemon().factory());
        sampler.schedule(new Runnable() {
            @Override
            public void run() {
                long start = System.nanoTime();
                try {
                    sampling.sample(registry.bySite(usage.siteUsage()), System.currentTimeMillis());
                } catch (Throwable t) {
                    LOG.debug("hakmem: sampling the sites failed", t);
                }
                if (!sampler.isShutdown()) {
                    sampler.schedule(this, SitePeaks.nextSampleDelayMillis(System.nanoTime() - start), TimeUnit.MILLISECONDS);
                }
            }
        }, SitePeaks.SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
        samplerThread = sampler;
    }

    private void reportAtExit() {
        ScheduledExecutorService sampler = samplerThread;
        if (sampler != null) {
            sampler.shutdownNow();
        }
        List<Path> written = new ArrayList<>();
        for (Path report : options.reports()) {
            if (writeReport(report)) {
                written.add(report);
            }
        }
        if (options.summary() && registry.size() > 0) {
            try {
                for (String line : TextReport.summary(snapshot(), written)) {
                    System.err.println(line); // the summary is what the user asked the agent for: their terminal, not a log
                }
            } catch (Throwable t) {
                LOG.error("hakmem: could not make the summary", t);
            }
        }
    }

    /** Everything the reports show, now. Reads every block's site entry (about 2 ms per million blocks). */
    synchronized ReportSnapshot snapshot() {
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("mode", options.replace() && usage instanceof ServingBackend ? "replace" : "observe");
        totals.put("memoryRoute", osRoute);
        totals.put("invalidFrees", usage.invalidFrees());
        totals.put("forcedGcs", usage.forcedGcs());
        totals.put("directReservedBytes", usage.directReservedBytes());
        totals.put("directLimitBytes", usage.directLimitBytes());
        totals.put("classesScanned", transformer.scannedClasses());
        totals.put("classesTransformed", transformer.transformedClasses());
        totals.put("classesFailed", transformer.failedClasses());
        totals.put("handlesLeftToJdk", transformer.handlesLeft());
        totals.put("classesTooOld", transformer.tooOldClasses());
        HakmemStats allocator = usage.allocatorStats();
        if (allocator != null) { // what the allocator counts itself: the sites' sums reconcile with these
            totals.put("allocatorLiveBytes", allocator.liveBytes());
            totals.put("allocatorLiveBlocks", allocator.liveBlocks());
            totals.put("allocatorCachedBytes", allocator.cachedBytes());
            totals.put("allocatorMappedBytes", allocator.mappedBytes());
        }
        return Snapshots.take(System.currentTimeMillis(), startedAtMillis, registry, usage.siteUsage(), sampling, totals,
                debugFindings(), usage.paths());
    }

    /** @return true if written; a failure is logged, never thrown */
    synchronized boolean writeReport(Path file) {
        try {
            ReportSnapshot r = snapshot();
            String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            String text = name.endsWith(".txt") ? TextReport.full(r)
                    : name.endsWith(".html") || name.endsWith(".htm") ? HtmlReport.render(r)
                    : JsonReport.render(r, registry, sampling.history().intervalMillis());
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text);
            LOG.info("hakmem: report written to {}", file);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.error("hakmem: could not write the report to {}", file, e);
            return false;
        }
    }
}
