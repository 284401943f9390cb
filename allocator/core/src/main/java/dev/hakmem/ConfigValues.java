package dev.hakmem;

import java.util.Locale;

/**
 * The one parser of hakmem's setting values: sizes, booleans and durations, for {@link HakmemConfig}
 * ({@code hakmem.*}, {@code HAKMEM_*}) and for the agent's options, so that {@code limit=512m} means
 * the same in both. Each method throws an {@link IllegalArgumentException} whose message names the
 * key, the value and what is allowed; a caller with its own way of reporting (the agent lists its
 * options) may catch it and say so its way. Values are trimmed; units and {@code true}/{@code false}
 * are case-insensitive.
 */
public final class ConfigValues {
    private ConfigValues() {
    }

    /**
     * A size in bytes: digits with an optional k, m, g or t suffix (powers of 1024), 0 or more.
     *
     * @param key what the value was given for, named in the error
     */
    public static long size(String key, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int shift = 0;
        if (!t.isEmpty()) {
            shift = switch (t.charAt(t.length() - 1)) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                case 't' -> 40;
                default -> 0;
            };
            if (shift > 0) {
                t = t.substring(0, t.length() - 1);
            }
        }
        try {
            long value = Long.parseLong(t);
            if (value < 0 || value > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return value << shift;
        } catch (NumberFormatException e) {
            throw invalid(key, text, "a size in bytes, optionally with a k, m, g or t suffix (e.g. 512m)");
        }
    }

    /** {@code true} or {@code false}; nothing else (not {@code yes}, not {@code 1}). */
    public static boolean bool(String key, String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(key, text, "true or false");
        };
    }

    /** A duration in milliseconds, written with its unit: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}; 0 or more. */
    public static long millis(String key, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unit;
        int unitLength = 1;
        if (t.endsWith("ms")) {
            unit = 1;
            unitLength = 2;
        } else if (t.endsWith("s")) {
            unit = 1_000;
        } else if (t.endsWith("m")) {
            unit = 60_000;
        } else if (t.endsWith("h")) {
            unit = 3_600_000;
        } else {
            throw invalid(key, text, "a duration with a unit: ms, s, m or h (e.g. 10s)");
        }
        try {
            long value = Long.parseLong(t.substring(0, t.length() - unitLength));
            if (value < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(value, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw invalid(key, text, "a whole number of 0 or more with a unit: ms, s, m or h (e.g. 10s)");
        }
    }

    /** A whole number in {@code int} range. */
    public static int integer(String key, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw invalid(key, text, "a whole number");
        }
    }

    /** One of {@code type}'s constants, by name, case-insensitive. */
    public static <E extends Enum<E>> E choice(String key, String text, Class<E> type) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(text.trim())) {
                return e;
            }
        }
        StringBuilder allowed = new StringBuilder("one of ");
        for (E e : type.getEnumConstants()) {
            allowed.append(e.ordinal() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
        }
        throw invalid(key, text, allowed.toString());
    }

    private static IllegalArgumentException invalid(String key, String text, String allowed) {
        return new IllegalArgumentException("hakmem: invalid value '" + text + "' for " + key + ": expected " + allowed);
    }
}
