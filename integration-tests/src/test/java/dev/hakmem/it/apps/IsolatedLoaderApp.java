package dev.hakmem.it.apps;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static dev.hakmem.it.apps.Checks.check;

/**
 * Loads {@code isolated.IsolatedCaller} from a copy of its class file in a temporary directory, in two
 * {@link URLClassLoader}s with a null parent, and runs it in each: a class that sees only the JDK's boot
 * modules must still reach the agent's bridge. The class is never loaded from the class path.
 */
public final class IsolatedLoaderApp {
    private static final String CALLER = "dev.hakmem.it.apps.isolated.IsolatedCaller";
    private static final int LOADERS = 2;

    private IsolatedLoaderApp() {
    }

    public static void main(String[] args) throws Exception {
        String resource = CALLER.replace('.', '/') + ".class";
        Path root = Files.createTempDirectory("hakmem-it-isolated");
        try {
            Path copy = root.resolve(resource);
            Files.createDirectories(copy.getParent());
            try (InputStream in = IsolatedLoaderApp.class.getClassLoader().getResourceAsStream(resource)) {
                check(in != null, "no " + resource + " on the class path");
                Files.write(copy, in.readAllBytes());
            }
            for (int i = 0; i < LOADERS; i++) {
                try (URLClassLoader loader = new URLClassLoader("isolated-" + i, new URL[] {root.toUri().toURL()}, null)) {
                    Class<?> caller = loader.loadClass(CALLER);
                    check(caller.getClassLoader() == loader, "loaded by " + caller.getClassLoader() + ", not the isolated loader");
                    @SuppressWarnings("unchecked")
                    Supplier<String> call = (Supplier<String>) caller.getConstructor().newInstance();
                    String answer = call.get();
                    check(answer.startsWith("isolated ok"), answer);
                    System.out.println(answer);
                }
            }
        } finally {
            deleteTree(root);
        }
        Checks.ok();
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
