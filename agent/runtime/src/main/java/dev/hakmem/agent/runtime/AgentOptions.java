package dev.hakmem.agent.runtime;

import dev.hakmem.ConfigValues;
import dev.hakmem.agent.site.CallPathSampler;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The agent's options: {@code key=value} pairs separated by commas, e.g.
 * {@code -javaagent:hakmem-agent.jar=mode=observe,include=com.example.*,report=/tmp/hakmem.json}.
 *
 * @param replace   {@code mode=replace} (default: hakmem serves) or {@code mode=observe} (the JDK serves, hakmem attributes)
 * @param includes  {@code include=} class-name patterns, separated by {@code :}; empty means every class
 * @param excludes  {@code exclude=} class-name patterns
 * @param jdk       {@code jdk=true} also rewrites JDK classes (default false)
 * @param limit     {@code limit=} direct-buffer limit in bytes, or -1 for the JVM's ({@code -XX:MaxDirectMemorySize}, else the heap max)
 * @param reports   {@code report=} files the full report is written to at exit: {@code .txt} as text, {@code .html} as
 *                  a page with charts, anything else as JSON (several {@code report=} options allowed)
 * @param summary   false with {@code report=off}: no summary on stderr at exit
 * @param snapshotMillis {@code snapshot=} the finest interval of the live-bytes history kept for the report
 * @param log       {@code log=} level of hakmem's own logging (default warn)
 * @param debug     {@code debug=true}: hakmem's debug mode (poisoned frees, canaries), to find the application's
 *                  writes after free and past a block's end (replace mode only)
 * @param ffm       {@code ffm=false} leaves native segments (FFM arenas) to the JDK; by default hakmem serves and
 *                  attributes them through the JDK's one funnel for them
 * @param stacks    {@code stacks=off|sampled[:<bytes>]|all}: how call paths behind a site are found (default sampled)
 * @param stackBytes the mean bytes a thread allocates at a site between two samples ({@code stacks=sampled:<bytes>})
 * @param sites     {@code sites=false}: no per-site accounting at all (to measure what it costs; reports list no sites)
 * @param learn     {@code learn=true|false}: hakmem's learner on or off ({@code hakmem.learn}, replace mode only); null
 *                  when not given, so {@code hakmem.learn}/{@code HAKMEM_LEARN} or the allocator's default decide
 */
public record AgentOptions(boolean replace, List<String> includes, List<String> excludes, boolean jdk, long limit,
                           List<Path> reports, boolean summary, long snapshotMillis, String log, boolean debug, boolean ffm,
                           CallPathSampler.Mode stacks, long stackBytes, boolean sites, Boolean learn) {
    static final String VALID = "mode=replace|observe, include=<pattern>[:<pattern>...], exclude=<pattern>[:<pattern>...], "
            + "jdk=true|false, limit=<bytes>[k|m|g|t], report=off|<file>.json|<file>.txt|<file>.html (several allowed), "
            + "snapshot=<n>ms|s|m|h, log=trace|debug|info|warn|error|off, debug=true|false, ffm=true|false, "
            + "stacks=off|sampled|sampled:<bytes>[k|m|g|t]|all, sites=true|false, learn=true|false";
    /**
     * Bytes between two samples of a site on one thread unless {@code stacks=sampled:} says otherwise:
     * the JMH cost of sampling at this rate is in {@code benchmarks/reports} (the agent's attribution cost).
     */
    static final long DEFAULT_STACK_BYTES = 16L << 20;
    /** The history's finest interval unless {@code snapshot=} says otherwise: fine enough for a chart of a short run. */
    static final long DEFAULT_SNAPSHOT_MILLIS = 1_000;
    private static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");

    public static AgentOptions defaults() {
        return new AgentOptions(true, List.of(), List.of(), false, -1, List.of(), true, DEFAULT_SNAPSHOT_MILLIS, "warn", false, true,
                CallPathSampler.Mode.SAMPLED, DEFAULT_STACK_BYTES, true, null);
    }

    /**
     * @param args what follows {@code =} in {@code -javaagent:jar=...}; null or empty for the defaults
     * @throws BadAgentOptionException naming the option and listing the valid ones
     */
    public static AgentOptions parse(String args) {
        AgentOptions o = defaults();
        if (args == null || args.isBlank()) {
            return o;
        }
        boolean replace = o.replace;
        List<String> includes = new ArrayList<>();
        List<String> excludes = new ArrayList<>();
        boolean jdk = o.jdk;
        long limit = o.limit;
        List<Path> reports = new ArrayList<>();
        boolean summary = o.summary;
        long snapshotMillis = o.snapshotMillis;
        String log = o.log;
        boolean debug = o.debug;
        boolean ffm = o.ffm;
        CallPathSampler.Mode stacks = o.stacks;
        long stackBytes = o.stackBytes;
        boolean sites = o.sites;
        Boolean learn = o.learn;
        for (String option : args.split(",")) {
            int eq = option.indexOf('=');
            if (eq <= 0) {
                throw bad(option, "expected key=value");
            }
            String key = option.substring(0, eq).trim();
            String value = option.substring(eq + 1).trim();
            switch (key) {
                case "mode" -> replace = switch (value) {
                    case "replace" -> true;
                    case "observe" -> false;
                    default -> throw bad(option, "mode must be replace or observe");
                };
                case "include" -> includes.addAll(patterns(option, value));
                case "exclude" -> excludes.addAll(patterns(option, value));
                case "jdk" -> jdk = bool(option, value);
                case "debug" -> debug = bool(option, value);
                case "ffm" -> ffm = bool(option, value);
                case "limit" -> limit = parseSize(option, value);
                case "sites" -> sites = bool(option, value);
                case "learn" -> learn = bool(option, value);
                case "stacks" -> {
                    if (value.equals("off")) {
                        stacks = CallPathSampler.Mode.OFF;
                    } else if (value.equals("all")) {
                        stacks = CallPathSampler.Mode.ALL;
                    } else if (value.equals("sampled")) {
                        stacks = CallPathSampler.Mode.SAMPLED;
                    } else if (value.startsWith("sampled:")) {
                        stacks = CallPathSampler.Mode.SAMPLED;
                        stackBytes = parseSize(option, value.substring("sampled:".length()), "stacks=sampled:");
                    } else {
                        throw bad(option, "stacks must be off, sampled, sampled:<bytes> (e.g. sampled:512k) or all");
                    }
                }
                case "report" -> {
                    if (value.isEmpty()) {
                        throw bad(option, "report needs a file name, or off");
                    }
                    if (value.equals("off")) {
                        summary = false;
                    } else {
                        reports.add(Path.of(value));
                    }
                }
                case "snapshot" -> snapshotMillis = parseDuration(option, value);
                case "log" -> {
                    log = value.toLowerCase(Locale.ROOT);
                    if (!LEVELS.contains(log)) {
                        throw bad(option, "log must be one of " + String.join(", ", LEVELS));
                    }
                }
                default -> throw bad(option, "unknown option '" + key + "'");
            }
        }
        if (debug && !replace) {
            throw bad(option(args, "debug"), "debug=true needs mode=replace: in observe mode the JDK allocates, and hakmem cannot check its blocks");
        }
        if (Boolean.TRUE.equals(learn) && !replace) {
            throw bad(option(args, "learn"), "learn=true needs mode=replace: in observe mode the JDK allocates, and hakmem has nothing to learn from");
        }
        return new AgentOptions(replace, List.copyOf(includes), List.copyOf(excludes), jdk, limit, List.copyOf(reports), summary,
                snapshotMillis, log, debug, ffm, stacks, stackBytes, sites, learn);
    }

    /**
     * {@code 500ms}, {@code 10s}, {@code 2m}: at least 10 ms, at most a day. Parsed by the allocator's
     * {@link ConfigValues}, as {@code hakmem.*} values are; the agent reports in its own words.
     */
    static long parseDuration(String option, String value) {
        long millis;
        try {
            millis = ConfigValues.millis("snapshot", value);
        } catch (IllegalArgumentException e) {
            throw bad(option, "snapshot must be a whole number with a unit: ms, s or m, e.g. 10s");
        }
        if (millis < 10 || millis > 86_400_000L) {
            throw bad(option, "snapshot must be between 10ms and 24 hours");
        }
        return millis;
    }

    private static boolean bool(String option, String value) {
        try {
            return ConfigValues.bool(option, value);
        } catch (IllegalArgumentException e) {
            throw bad(option, option.substring(0, option.indexOf('=')).trim() + " must be true or false");
        }
    }

    /** The first {@code key=...} option in {@code args}, as written. */
    private static String option(String args, String key) {
        for (String option : args.split(",")) {
            if (option.trim().startsWith(key + "=")) {
                return option;
            }
        }
        return key;
    }

    private static List<String> patterns(String option, String value) {
        List<String> patterns = new ArrayList<>();
        for (String pattern : value.split(":", -1)) {
            if (pattern.isBlank()) {
                throw bad(option, "patterns are class names with * and ?, separated by ':'");
            }
            patterns.add(pattern.trim());
        }
        return patterns;
    }

    static long parseSize(String option, String value) {
        return parseSize(option, value, "limit");
    }

    /** @param what the option's name in the error message */
    static long parseSize(String option, String value, String what) {
        long bytes;
        try {
            bytes = ConfigValues.size(what, value);
        } catch (IllegalArgumentException e) {
            throw bad(option, what + " must be a number of bytes with an optional k, m, g or t, e.g. 512m");
        }
        if (bytes <= 0) {
            throw bad(option, what + " must be a positive size below 2^63 bytes, e.g. 512m");
        }
        return bytes;
    }

    private static BadAgentOptionException bad(String option, String why) {
        return new BadAgentOptionException("hakmem agent: bad option '" + option + "': " + why + ". Valid options: " + VALID);
    }

    /** These options in {@code mode=observe}: for a JDK that lacks what replace mode needs. */
    AgentOptions observing() {
        return new AgentOptions(false, includes, excludes, jdk, limit, reports, summary, snapshotMillis, log, false, ffm,
                stacks, stackBytes, sites, null);
    }

    @Override
    public String toString() {
        return "mode=" + (replace ? "replace" : "observe") + ",include=" + String.join(":", includes) + ",exclude="
                + String.join(":", excludes) + ",jdk=" + jdk + ",limit=" + (limit < 0 ? "jvm" : limit) + ",report="
                + (summary ? "" : "off") + (reports.isEmpty() ? "" : reports.toString())
                + ",snapshot=" + snapshotMillis + "ms,log=" + log + ",debug=" + debug + ",ffm=" + ffm
                + ",stacks=" + (stacks == CallPathSampler.Mode.SAMPLED ? "sampled:" + stackBytes : stacks.name().toLowerCase(Locale.ROOT))
                + ",sites=" + sites + (learn == null ? "" : ",learn=" + learn);
    }
}
