package dev.hakmem.agent.site;

import java.lang.StackWalker.StackFrame;

/** Which frames of a walked stack belong to the program: what sites and call paths are made of. */
final class Frames {
    /** The loader of hakmem's own module layer: its frames (agent, allocator) are never a program's. */
    private static final ClassLoader HAKMEM = Frames.class.getClassLoader();

    private Frames() {
    }

    /** @return true unless the frame is the JDK's (a boot-layer {@code java.*} or {@code jdk.*} module) or hakmem's */
    static boolean outsideJdkAndHakmem(StackFrame frame) {
        Class<?> c = frame.getDeclaringClass();
        if (HAKMEM != null && c.getClassLoader() == HAKMEM) {
            return false;
        }
        Module m = c.getModule();
        if (!m.isNamed() || m.getLayer() != ModuleLayer.boot()) {
            return true;
        }
        String name = m.getName();
        return !(name.startsWith("java.") || name.startsWith("jdk."));
    }
}
