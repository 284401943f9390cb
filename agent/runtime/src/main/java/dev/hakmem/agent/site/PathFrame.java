package dev.hakmem.agent.site;

/**
 * One frame of a {@link CallPath}.
 *
 * @param className binary name of the frame's class
 * @param method    method name
 * @param file      source file, or null if unknown
 * @param line      line number, or -1 if unknown
 */
public record PathFrame(String className, String method, String file, int line) {

    /** {@code com.example.Orders.encode(Orders.java:88)}, as a stack trace line would name it. */
    public String location() {
        String where = file == null ? "Unknown Source" : line < 0 ? file : file + ":" + line;
        return className + "." + method + "(" + where + ")";
    }
}
