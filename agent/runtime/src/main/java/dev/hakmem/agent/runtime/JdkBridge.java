package dev.hakmem.agent.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.nio.ByteBuffer;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * Defines {@code java.nio.HakmemBackend}, {@code HakmemRelease}, {@code ObservedRelease}, {@code HakmemBridge} and {@code HakmemLinker} inside
 * {@code java.base}, from the class files the agent jar carries under {@value #PREFIX}. Needs
 * {@code java.nio} open to this module, which the agent's bootstrap grants to this module alone.
 *
 * <p>Nothing here may name those classes: this class must load and verify before they exist.
 */
final class JdkBridge {
    static final String PREFIX = "META-INF/hakmem/jdk/java/nio/";
    private static final String[] CLASSES = {"HakmemBackend", "HakmemRelease", "ObservedRelease", "HakmemBridge", "HakmemLinker"};

    private JdkBridge() {
    }

    /** @return the lookup in {@code java.nio} used, for installing the backend afterwards */
    static MethodHandles.Lookup define(String agentJar) throws IOException, IllegalAccessException {
        MethodHandles.Lookup nio = MethodHandles.privateLookupIn(ByteBuffer.class, MethodHandles.lookup());
        try (JarFile jar = new JarFile(agentJar)) {
            for (String name : CLASSES) {
                if (isDefined(name)) {
                    continue; // a second agent start in the same JVM (attach after premain)
                }
                ZipEntry entry = jar.getEntry(PREFIX + name + ".class");
                if (entry == null) {
                    throw new IOException("hakmem: " + agentJar + " lacks " + PREFIX + name + ".class; the jar is incomplete");
                }
                try (InputStream in = jar.getInputStream(entry)) {
                    nio.defineClass(in.readAllBytes());
                }
            }
        }
        return nio;
    }

    private static boolean isDefined(String simpleName) {
        try {
            Class.forName("java.nio." + simpleName, false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
