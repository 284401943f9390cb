package dev.hakmem.agent.corpus;

import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A class loader over the corpus's class path whose parent is the platform loader, so that nothing of
 * the test's own class path (JUnit, ASM, hakmem) gets in: child-first for every corpus class. It
 * defines each class from its jar, except those given in {@code replaced}, which it defines from those
 * bytes: one world holds the classes as they are, a second the transformer's output wherever there is
 * one, as a JVM with the agent would see them.
 *
 * <p>No static initialiser runs: classes are loaded with {@code Class.forName(name, false, world)} and
 * linked by reflection ({@link #link}).
 */
final class World extends URLClassLoader {
    static {
        registerAsParallelCapable();
    }

    private final Map<String, byte[]> replaced;

    World(String name, List<Path> classPath, Map<String, byte[]> replaced) {
        super(name, urls(classPath), ClassLoader.getPlatformClassLoader());
        this.replaced = Map.copyOf(replaced);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] bytes = replaced.get(name);
        if (bytes == null) {
            return super.findClass(name);
        }
        return defineClass(name, bytes, 0, bytes.length);
    }

    /**
     * Loads and links a class of this world, which in HotSpot runs the bytecode verifier over all its
     * methods: {@code Class.getDeclaredFields()} (like {@code getDeclaredMethods()} and
     * {@code getDeclaredConstructors()}) first links the class ({@code JVM_GetClassDeclaredFields}:
     * "Ensure class is linked", {@code k->link_class}) and only then resolves the types of the members
     * it returns. A member type that cannot be loaded (an optional dependency) makes one of them throw
     * after the class linked, so the three are tried in turn: if any returns, the class linked.
     *
     * @return null if the class loaded and linked, else what the first attempt threw
     */
    Throwable link(String binaryName) {
        Class<?> type;
        try {
            type = Class.forName(binaryName, false, this);
        } catch (Throwable t) {
            return t;
        }
        Throwable first = null;
        for (int probe = 0; probe < 3; probe++) {
            try {
                switch (probe) {
                    case 0 -> type.getDeclaredFields();
                    case 1 -> type.getDeclaredConstructors();
                    default -> type.getDeclaredMethods();
                }
                return null;
            } catch (Throwable t) {
                if (first == null) {
                    first = t;
                }
            }
        }
        return first;
    }

    private static URL[] urls(List<Path> classPath) {
        URL[] urls = new URL[classPath.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = classPath.get(i).toUri().toURL();
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException(classPath.get(i).toString(), e);
            }
        }
        return urls;
    }
}
