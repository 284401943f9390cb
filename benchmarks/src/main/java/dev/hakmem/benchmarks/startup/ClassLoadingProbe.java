package dev.hakmem.benchmarks.startup;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads (without initialising) every class of one package prefix found in the jar this class came
 * from, Guava's by default, and prints {@code RESULT classes=N millis=M}. {@code bin/bench startup}
 * runs it with and without the agent: each class definition goes through the agent's transformer,
 * so the difference is what the agent costs an application's class loading.
 */
public final class ClassLoadingProbe {
    private ClassLoadingProbe() {
    }

    public static void main(String[] args) throws IOException, URISyntaxException {
        String prefix = args.length > 0 ? args[0] : "com/google/common/";
        List<String> names = new ArrayList<>();
        Path jar = Path.of(ClassLoadingProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (JarFile file = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.startsWith(prefix) && name.endsWith(".class") && !name.endsWith("module-info.class")
                        && !name.contains("package-info")) {
                    names.add(name.substring(0, name.length() - 6).replace('/', '.'));
                }
            }
        }
        ClassLoader loader = ClassLoadingProbe.class.getClassLoader();
        long start = System.nanoTime();
        int loaded = 0;
        for (String name : names) {
            try {
                Class.forName(name, false, loader);
                loaded++;
            } catch (ClassNotFoundException | LinkageError e) {
                // a class whose optional dependencies are absent: the same with and without the agent
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("RESULT classes=" + loaded + " millis=" + millis);
    }
}
