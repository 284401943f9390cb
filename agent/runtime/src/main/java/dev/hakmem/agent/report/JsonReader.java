package dev.hakmem.agent.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JSON into maps, lists, strings, longs, doubles, booleans and nulls: enough for the report
 * tool to read back the reports the agent writes, with no library in the agent jar for it. A
 * malformed text fails with its position.
 */
final class JsonReader {
    private final String text;
    private int pos;

    private JsonReader(String text) {
        this.text = text;
    }

    static Object read(String text) {
        JsonReader r = new JsonReader(text);
        Object v = r.next();
        r.space();
        if (r.pos < text.length()) {
            throw r.fail("unexpected text after the value");
        }
        return v;
    }

    private Object next() {
        space();
        if (pos >= text.length()) {
            throw fail("the text ends where a value should be");
        }
        char c = text.charAt(pos);
        if (c == '{') {
            Map<String, Object> map = new LinkedHashMap<>();
            pos++;
            if (skip('}')) {
                return map;
            }
            do {
                space();
                String key = quoted();
                expect(':');
                map.put(key, next());
            } while (skip(','));
            expect('}');
            return map;
        }
        if (c == '[') {
            List<Object> list = new ArrayList<>();
            pos++;
            if (skip(']')) {
                return list;
            }
            do {
                list.add(next());
            } while (skip(','));
            expect(']');
            return list;
        }
        if (c == '"') {
            return quoted();
        }
        for (String word : new String[] {"true", "false", "null"}) {
            if (text.startsWith(word, pos)) {
                pos += word.length();
                return word.equals("null") ? null : Boolean.valueOf(word);
            }
        }
        int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        String number = text.substring(start, pos);
        try {
            if (number.contains(".") || number.contains("e") || number.contains("E")) {
                return Double.parseDouble(number);
            }
            return Long.parseLong(number); // not in one ?: with the double, which would widen it
        } catch (NumberFormatException e) {
            pos = start;
            throw fail("not a value");
        }
    }

    private String quoted() {
        if (pos >= text.length() || text.charAt(pos) != '"') {
            throw fail("a string was expected");
        }
        StringBuilder s = new StringBuilder();
        pos++;
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return s.toString();
            }
            if (c != '\\') {
                s.append(c);
                continue;
            }
            if (pos >= text.length()) {
                break;
            }
            char e = text.charAt(pos++);
            switch (e) {
                case 'n' -> s.append('\n');
                case 't' -> s.append('\t');
                case 'r' -> s.append('\r');
                case 'b' -> s.append('\b');
                case 'f' -> s.append('\f');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw fail("a cut \\u escape");
                    }
                    s.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> s.append(e);
            }
        }
        throw fail("a string is not closed");
    }

    private void space() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private boolean skip(char c) {
        space();
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!skip(c)) {
            throw fail("'" + c + "' was expected");
        }
    }

    private IllegalArgumentException fail(String why) {
        return new IllegalArgumentException("not a hakmem report: " + why + " at character " + pos);
    }
}
