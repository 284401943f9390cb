package dev.hakmem.agent.report;

import java.lang.management.ManagementFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/**
 * Reads the JVM's own Native Memory Tracking summary, when it is on, through the DiagnosticCommand
 * MBean ({@code vmNativeMemory summary}), for the coverage ledger. Asks nothing when it is off, so the
 * platform MBean server (a quarter of a second to create) is never made for it.
 */
final class NativeMemoryTracking {
    private static final Pattern TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");
    private static final Pattern OTHER = Pattern.compile("-\\s+Other \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");
    private static final boolean ON = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .anyMatch(a -> a.startsWith("-XX:NativeMemoryTracking=") && !a.endsWith("=off"));

    private NativeMemoryTracking() {
    }

    /** @return {committed bytes, "Other" committed bytes}, or {-1, -1} when NMT is off or cannot be read */
    static long[] committed() {
        if (!ON) {
            return new long[] {-1, -1};
        }
        try {
            String summary = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
            Matcher total = TOTAL.matcher(summary);
            Matcher other = OTHER.matcher(summary);
            return new long[] {total.find() ? Long.parseLong(total.group(2)) * 1024 : -1,
                    other.find() ? Long.parseLong(other.group(2)) * 1024 : 0};
        } catch (Exception | LinkageError e) {
            return new long[] {-1, -1};
        }
    }
}
