package dev.hakmem.agent.runtime;

import org.slf4j.LoggerFactory;

import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.util.function.Consumer;

/**
 * Entry point from the agent's bootstrap, which builds hakmem's module layer and calls
 * {@link #start} reflectively. Parses the options (the only failure allowed to stop the JVM), points
 * hakmem's logging at the chosen level, checks the JDK internals the bridge needs ({@link JdkInternals}:
 * observe mode or nothing at all if some are missing), defines the bridge inside {@code java.base},
 * then hands over to {@link AgentServices}. Nothing here names the bridge's types, which do not exist until
 * {@link JdkBridge#define} has run.
 */
public final class AgentRuntime implements Consumer<Object[]> {
    private static final String LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.log.dev.hakmem";
    private static boolean started;

    /** For the bootstrap, which calls {@link #accept}: cheaper at start-up than reflecting a six-argument method. */
    public AgentRuntime() {
    }

    /** {@code {String args, Instrumentation inst, Boolean attached, String agentJar, Controller layer, Long startNanos}}: see {@link #start}. */
    @Override
    public void accept(Object[] a) {
        start((String) a[0], (Instrumentation) a[1], (Boolean) a[2], (String) a[3], (ModuleLayer.Controller) a[4], (Long) a[5]);
    }

    /**
     * @param args     the agent's option string (may be null)
     * @param attached true from {@code agentmain} (the JVM was already running)
     * @param agentJar path of the agent jar, which carries the bridge's class files
     * @param layer    the controller of the layer hakmem runs in, for granting the allocator native access
     * @param startNanos {@code System.nanoTime()} when premain began, for the start-up figure
     * @throws BadAgentOptionException for a malformed option; nothing else escapes
     */
    public static synchronized void start(String args, Instrumentation inst, boolean attached, String agentJar,
                                          ModuleLayer.Controller layer, long startNanos) {
        AgentOptions options = AgentOptions.parse(args);
        if (started) {
            AgentServices.attachedAgain(options);
            return;
        }
        started = true;
        if (System.getProperty(LOG_LEVEL_PROPERTY) == null) {
            System.setProperty(LOG_LEVEL_PROPERTY, options.log());
        }
        JdkInternals.Verdict verdict = JdkInternals.check(JdkInternals.BRIDGE);
        String line = verdict.line(options.replace());
        if (line != null) {
            LoggerFactory.getLogger(AgentRuntime.class).warn(line);
        }
        if (verdict.allowed() == JdkInternals.Allowed.NOTHING) {
            return;
        }
        if (verdict.allowed() == JdkInternals.Allowed.OBSERVE) {
            options = options.observing();
        }
        MethodHandles.Lookup nio;
        try {
            nio = JdkBridge.define(agentJar);
        } catch (Throwable t) {
            AgentServices.cannotStart("the bridge could not be defined in java.base", t);
            return;
        }
        AgentServices.start(options, inst, attached, nio, layer, startNanos);
    }
}
