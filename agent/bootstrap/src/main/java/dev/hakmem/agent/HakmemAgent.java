package dev.hakmem.agent;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * {@code -javaagent:hakmem-agent.jar[=options]} and dynamic attach, on any JDK from 8 on.
 *
 * <p>This class is compiled for Java 8 (class file version 52) and uses nothing newer, so that every
 * JDK can load it: a premain class it cannot load aborts the JVM. It checks the JDK first; on one
 * hakmem does not run on, it prints one line and returns, so the application runs exactly as without
 * the agent. Only on a supported JDK does it load {@link AgentLauncher} (compiled for Java 25), by
 * name, so that no older JDK ever links to it. It keeps no state and catches everything: nothing that
 * goes wrong here reaches the application.
 */
public final class HakmemAgent {
    /** The feature release hakmem is built and checked for; its bridge relies on that JDK's internals. */
    static final int SUPPORTED_FEATURE = 25;
    static final String SUPPORTED = "JDK " + SUPPORTED_FEATURE;
    private static final String LAUNCHER = "dev.hakmem.agent.AgentLauncher";

    private HakmemAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        start(args, inst, false);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst, true);
    }

    private static void start(String args, Instrumentation inst, boolean attached) {
        int feature = featureRelease(System.getProperty("java.specification.version"));
        if (feature != SUPPORTED_FEATURE) {
            System.err.println(unsupportedJdkLine());
            return;
        }
        try {
            Method start = Class.forName(LAUNCHER).getDeclaredMethod("start", String.class, Instrumentation.class, boolean.class);
            start.invoke(null, args, inst, attached);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            System.err.println("hakmem: the agent could not start (" + cause + "); the application runs without it");
        } catch (Throwable t) {
            System.err.println("hakmem: the agent could not start (" + t + "); the application runs without it");
        }
    }

    /**
     * {@code java -jar hakmem-agent.jar report.json}: renders a report (see {@code ReportTool}); needs JDK 25 as the
     * agent does.
     */
    public static void main(String[] args) {
        if (featureRelease(System.getProperty("java.specification.version")) != SUPPORTED_FEATURE) {
            System.err.println(unsupportedJdkLine());
            System.exit(1);
        }
        int status;
        try {
            Method run = Class.forName(LAUNCHER).getDeclaredMethod("runTool", String[].class);
            status = (Integer) run.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            System.err.println("hakmem: " + e.getCause());
            status = 1;
        } catch (Throwable t) {
            System.err.println("hakmem: " + t);
            status = 1;
        }
        System.exit(status);
    }

    /** The one line printed on a JDK hakmem does not run on. */
    static String unsupportedJdkLine() {
        String vendor = System.getProperty("java.vendor");
        return "hakmem: this JVM is JDK " + System.getProperty("java.version") + (vendor == null ? "" : " (" + vendor + ")")
                + "; hakmem runs on " + SUPPORTED + " only, so the agent does nothing and the application runs without it";
    }

    /** @return 8 for "1.8", 17 for "17", -1 for anything unreadable */
    static int featureRelease(String specificationVersion) {
        if (specificationVersion == null) {
            return -1;
        }
        String v = specificationVersion.startsWith("1.") ? specificationVersion.substring(2) : specificationVersion;
        int dot = v.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? v : v.substring(0, dot));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
