package dev.hakmem.agent.corpus;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.ZipFile;

/**
 * The jars under test, in class-path order, as the build hands them over: the pom's corpus
 * dependencies with all of theirs (none of this harness's own jars), in {@code hakmem.corpus.classpath}.
 * They are at once what is transformed and what the classes link against.
 */
record Corpus(List<Path> jars) {
    static final String CLASS_PATH = "hakmem.corpus.classpath";

    static Corpus fromBuild() {
        return new Corpus(paths(CLASS_PATH));
    }

    private static List<Path> paths(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank() || value.contains("${")) {
            throw new IllegalStateException(property + " is not set (run the test through Maven: it comes from pom.xml), got " + value);
        }
        List<Path> paths = new ArrayList<>();
        for (String element : value.split(File.pathSeparator)) {
            if (!element.isBlank()) {
                Path path = Path.of(element.strip());
                if (!Files.isRegularFile(path)) {
                    throw new IllegalStateException(property + " names " + path + ", which is not a file");
                }
                paths.add(path);
            }
        }
        return List.copyOf(paths);
    }

    /** One class file of a jar, as a JDK 25 would load it. */
    record ClassEntry(Path jar, String entryName, boolean versioned, byte[] bytes) {
    }

    /** What to do with each class of a jar. */
    @FunctionalInterface
    interface ClassAction {
        void accept(ClassEntry entry) throws IOException;
    }

    /**
     * Every class of a jar as this JDK loads it: in a multi-release jar the variant that
     * {@code META-INF/versions/N} gives for this runtime, instead of the base entry; module descriptors
     * and the entries of other versions are not classes a class loader defines here, and are left out.
     */
    static void forEachClass(Path jar, ClassAction action) throws IOException {
        try (JarFile file = new JarFile(jar.toFile(), true, ZipFile.OPEN_READ, Runtime.version())) {
            Iterator<JarEntry> entries = file.versionedStream()
                    .filter(e -> e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/")
                            && !e.getName().endsWith("module-info.class"))
                    .iterator();
            while (entries.hasNext()) {
                JarEntry entry = entries.next();
                byte[] bytes;
                try (InputStream in = file.getInputStream(entry)) {
                    bytes = in.readAllBytes();
                }
                action.accept(new ClassEntry(jar, entry.getName(), !entry.getRealName().equals(entry.getName()), bytes));
            }
        }
    }
}
