package dev.hakmem.agent;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Finds the modules packed inside the agent jar, one directory each under {@value #PREFIX}
 * (hakmem's allocator, SLF4J, the agent runtime with its relocated Byte Buddy), and reads them
 * straight from the jar: nothing is extracted, and none of it is on the application's class path.
 * The runtime carries no {@code module-info} (shading rewrites its packages), so its descriptor is built here.
 *
 * <p>This runs inside premain: no lambdas here (each first use of one spins classes at start-up).
 */
final class EmbeddedModules implements ModuleFinder {
    static final String PREFIX = "META-INF/hakmem/modules/";
    static final String RUNTIME_MODULE = "dev.hakmem.agent";
    private static final String[] MODULE_INFOS = {"module-info.class", "META-INF/versions/9/module-info.class"};

    private final Map<String, ModuleReference> modules = new HashMap<>();

    private EmbeddedModules() {
    }

    /** The jar stays open for the JVM's lifetime: the layer's class loader reads from it. */
    static EmbeddedModules in(Path agentJar) throws IOException {
        JarFile jar = new JarFile(agentJar.toFile(), false);
        Map<String, List<String>> entriesByDirectory = new HashMap<>();
        for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
            String name = e.nextElement().getName();
            if (name.startsWith(PREFIX) && !name.endsWith("/")) {
                String rest = name.substring(PREFIX.length());
                int slash = rest.indexOf('/');
                if (slash > 0) {
                    String directory = rest.substring(0, slash);
                    List<String> entries = entriesByDirectory.get(directory);
                    if (entries == null) {
                        entries = new ArrayList<>();
                        entriesByDirectory.put(directory, entries);
                    }
                    entries.add(rest.substring(slash + 1));
                }
            }
        }
        EmbeddedModules finder = new EmbeddedModules();
        URI jarUri = agentJar.toUri();
        for (Map.Entry<String, List<String>> directory : entriesByDirectory.entrySet()) {
            String base = PREFIX + directory.getKey() + "/";
            List<String> entries = directory.getValue();
            ModuleDescriptor descriptor = describe(jar, base, directory.getKey(), entries);
            URI location = URI.create("jar:" + jarUri + "!/" + base);
            finder.modules.put(descriptor.name(), new EmbeddedModule(descriptor, location, jar, base, entries));
        }
        return finder;
    }

    private static ModuleDescriptor describe(JarFile jar, String base, String directory, List<String> entries) throws IOException {
        Set<String> packages = packagesOf(entries);
        for (String moduleInfo : MODULE_INFOS) {
            JarEntry entry = jar.getJarEntry(base + moduleInfo);
            if (entry != null) {
                try (InputStream in = jar.getInputStream(entry)) {
                    return ModuleDescriptor.read(in, new java.util.function.Supplier<Set<String>>() {
                        @Override
                        public Set<String> get() {
                            return packages;
                        }
                    });
                }
            }
        }
        if (!directory.equals(RUNTIME_MODULE)) {
            throw new IOException("hakmem: " + base + " in the agent jar has no module-info.class");
        }
        return ModuleDescriptor.newModule(RUNTIME_MODULE)
                .requires("dev.hakmem")
                .requires("org.slf4j")
                .requires("java.instrument")
                .requires("java.management")
                // JFR events: read when the JVM has jdk.jfr (a jlinked image may not), never required
                .requires(java.util.Collections.singleton(ModuleDescriptor.Requires.Modifier.STATIC), "jdk.jfr")
                .packages(packages)
                .build();
    }

    private static Set<String> packagesOf(List<String> entries) {
        Set<String> packages = new HashSet<>();
        for (String entry : entries) {
            int slash = entry.lastIndexOf('/');
            if (entry.endsWith(".class") && slash > 0 && !entry.startsWith("META-INF/")) {
                packages.add(entry.substring(0, slash).replace('/', '.'));
            }
        }
        return packages;
    }

    Set<String> moduleNames() {
        return Set.copyOf(modules.keySet());
    }

    @Override
    public Optional<ModuleReference> find(String name) {
        return Optional.ofNullable(modules.get(name));
    }

    @Override
    public Set<ModuleReference> findAll() {
        return Set.copyOf(modules.values());
    }

    private static final class EmbeddedModule extends ModuleReference {
        private final JarFile jar;
        private final String base;
        private final List<String> entries;

        EmbeddedModule(ModuleDescriptor descriptor, URI location, JarFile jar, String base, List<String> entries) {
            super(descriptor, location);
            this.jar = jar;
            this.base = base;
            this.entries = List.copyOf(entries);
        }

        @Override
        public ModuleReader open() {
            return new ModuleReader() {
                @Override
                public Optional<URI> find(String name) {
                    return jar.getJarEntry(base + name) == null ? Optional.empty()
                            : Optional.of(URI.create(location().orElseThrow() + name));
                }

                @Override
                public Optional<InputStream> open(String name) throws IOException {
                    JarEntry entry = jar.getJarEntry(base + name);
                    return entry == null ? Optional.empty() : Optional.of(jar.getInputStream(entry));
                }

                @Override
                public Stream<String> list() {
                    return entries.stream();
                }

                @Override
                public void close() {
                    // the jar is shared by every module and stays open
                }
            };
        }
    }
}
