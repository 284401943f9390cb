package dev.hakmem.samples.common;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options as {@code --name value} or {@code --flag}: every option must be one the program
 * declares, and a bad value stops the program with exit status 2 naming the option and the usage.
 */
public final class Args {
    private final String usage;
    private final Map<String, String> values = new HashMap<>();

    private Args(String usage) {
        this.usage = usage;
    }

    /**
     * @param flags   options that take no value
     * @param options options that take a value
     */
    public static Args parse(String[] args, Set<String> flags, Set<String> options, String usage) {
        Args parsed = new Args(usage);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                System.out.println(usage);
                System.exit(0);
            }
            if (!arg.startsWith("--")) {
                parsed.refuse("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            }
            if (flags.contains(name)) {
                parsed.values.put(name, value == null ? "true" : value);
            } else if (options.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        parsed.refuse("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                parsed.values.put(name, value);
            } else {
                parsed.refuse("unknown option --" + name);
            }
        }
        return parsed;
    }

    public boolean flag(String name) {
        String value = values.get(name);
        return value != null && !value.equals("false");
    }

    /** An integer option in {@code [min, max]}, or {@code otherwise} when not given. */
    public long number(String name, long otherwise, long min, long max) {
        String text = values.get(name);
        if (text == null) {
            return otherwise;
        }
        long value;
        try {
            value = parseSize(text);
        } catch (NumberFormatException e) {
            return refuse("--" + name + " " + text + " is not a number (a k, m or g suffix is allowed)");
        }
        if (value < min || value > max) {
            return refuse("--" + name + " " + text + " is out of range [" + min + ", " + max + "]");
        }
        return value;
    }

    public int integer(String name, int otherwise, int min, int max) {
        return (int) number(name, otherwise, min, max);
    }

    private static long parseSize(String text) {
        String t = text.trim().toLowerCase();
        long unit = 1;
        if (t.endsWith("k")) {
            unit = 1L << 10;
        } else if (t.endsWith("m")) {
            unit = 1L << 20;
        } else if (t.endsWith("g")) {
            unit = 1L << 30;
        }
        if (unit != 1) {
            t = t.substring(0, t.length() - 1);
        }
        return Math.multiplyExact(Long.parseLong(t), unit);
    }

    private <T> T refuse(String what) {
        System.err.println(what);
        System.err.println(usage);
        System.exit(2);
        return null;
    }
}
