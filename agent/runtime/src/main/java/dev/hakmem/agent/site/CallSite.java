package dev.hakmem.agent.site;

/**
 * One rewritten call site.
 *
 * @param id         the constant the rewritten code passes to the bridge (from 1)
 * @param className  binary name of the declaring class, e.g. {@code com.example.Pool$Arena}
 * @param method     method name ({@code <init>}, {@code <clinit>} included)
 * @param descriptor JVM method descriptor
 * @param file       source file attribute, or null if the class has none
 * @param line       line number, or -1 if the class has no line table
 * @param api        the JDK method the site called
 */
public record CallSite(int id, String className, String method, String descriptor, String file, int line,
                       DirectMemoryApi api) {

    /** {@code com.example.Pool.grow(Pool.java:42)}, as a stack trace line would name it. */
    public String location() {
        String where = file == null ? "Unknown Source" : line < 0 ? file : file + ":" + line;
        return className + "." + method + "(" + where + ")";
    }
}
