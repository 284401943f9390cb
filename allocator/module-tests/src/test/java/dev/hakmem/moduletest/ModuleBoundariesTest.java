package dev.hakmem.moduletest;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract D on the built modules: each probe is a small module compiled by javac against the real
 * allocator modules on the module path. An application module that requires {@code dev.hakmem}
 * compiles; every forbidden edge is one probe that must fail to compile, with javac's own reason.
 *
 * <p>A probe that plays a box is compiled <em>as</em> that box: same module name, and the
 * {@code requires} read from the box's built descriptor, so a {@code requires} added to a box's
 * {@code module-info.java} shows up here as a probe that compiles. Each such probe has a twin that
 * names what the box may name and must compile, so a failure is the boundary, not the probe.
 */
class ModuleBoundariesTest {
    private static final String APP = "probe.app";
    private static final String NOT_READ = "does not read it";
    private static final String NOT_EXPORTED_TO_IT = "which does not export it to module ";
    private static final String NOT_EXPORTED = "which does not export it)";

    /** The allocator's modules and their one outside dependency (slf4j), by name. */
    private static Map<String, ModuleReference> modules;
    private static String modulePath;

    @TempDir
    Path dir;

    @BeforeAll
    static void findTheBuiltModules() {
        modules = new TreeMap<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            try {
                for (ModuleReference ref : ModuleFinder.of(Path.of(entry)).findAll()) {
                    String name = ref.descriptor().name();
                    if (name.startsWith("dev.hakmem") || name.equals("org.slf4j")) {
                        modules.put(name, ref);
                    }
                }
            } catch (FindException e) {
                // a test library whose jar name gives no module name: not one of ours
            }
        }
        assertEquals(List.of("dev.hakmem", "dev.hakmem.ace", "dev.hakmem.cache", "dev.hakmem.refill", "org.slf4j"),
                List.copyOf(modules.keySet()), "the allocator's modules on the test class path");
        modulePath = modules.values().stream().map(ref -> Path.of(ref.location().orElseThrow()).toString())
                .collect(Collectors.joining(File.pathSeparator));
    }

    // ---- an application ----

    @Test
    void shouldCompileAnApplicationThatNamesOnlyTheFacade() throws IOException {
        Result result = compile(APP, List.of("dev.hakmem"), "dev.hakmem.Hakmem", "dev.hakmem.HakmemConfig");
        assertTrue(result.compiled(), result.output());
    }

    @Test
    void shouldNotLetAnApplicationThatRequiresTheFacadeNameTheThreadCache() throws IOException {
        assertFails(compile(APP, List.of("dev.hakmem"), "dev.hakmem.cache.ThreadCache"), "dev.hakmem.cache", NOT_READ);
    }

    @Test
    void shouldNotLetAnApplicationNameTheThreadCacheEvenIfItRequiresIt() throws IOException {
        assertFails(compile(APP, List.of("dev.hakmem.cache"), "dev.hakmem.cache.ThreadCaches"),
                "dev.hakmem.cache", NOT_EXPORTED_TO_IT + APP);
    }

    @Test
    void shouldNotLetAnApplicationNameTheRefillEngineEvenIfItRequiresIt() throws IOException {
        assertFails(compile(APP, List.of("dev.hakmem.refill"), "dev.hakmem.refill.Span"),
                "dev.hakmem.refill", NOT_EXPORTED_TO_IT + APP);
    }

    @Test
    void shouldNotLetAnApplicationNameTheOsBoundary() throws IOException {
        assertFails(compile(APP, List.of("dev.hakmem.refill"), "dev.hakmem.refill.os.OsMemory"),
                "dev.hakmem.refill.os", NOT_EXPORTED);
    }

    @Test
    void shouldNotLetAnApplicationNameTheLearnersContractsEvenIfItRequiresTheEngine() throws IOException {
        assertFails(compile(APP, List.of("dev.hakmem.refill"), "dev.hakmem.refill.spi.Policy"),
                "dev.hakmem.refill.spi", NOT_EXPORTED_TO_IT + APP);
    }

    @Test
    void shouldNotLetAnApplicationNameTheLearnerEvenIfItRequiresIt() throws IOException {
        assertFails(compile(APP, List.of("dev.hakmem.ace"), "dev.hakmem.ace.Learner"),
                "dev.hakmem.ace", NOT_EXPORTED_TO_IT + APP);
    }

    // ---- Box 1, the thread cache ----

    @Test
    void shouldLetTheThreadCacheNameTheRefillEngine() throws IOException {
        Result result = compileAs("dev.hakmem.cache", "dev.hakmem.refill.LocalHeap", "dev.hakmem.refill.OwnerCache");
        assertTrue(result.compiled(), result.output());
    }

    @Test
    void shouldNotLetTheThreadCacheNameTheLearningBox() throws IOException {
        assertFails(compileAs("dev.hakmem.cache", "dev.hakmem.ace.Learner"), "dev.hakmem.ace", NOT_READ);
    }

    @Test
    void shouldNotLetTheThreadCacheNameTheLearnersContracts() throws IOException {
        assertFails(compileAs("dev.hakmem.cache", "dev.hakmem.refill.spi.Policy"),
                "dev.hakmem.refill.spi", NOT_EXPORTED_TO_IT + "dev.hakmem.cache");
    }

    @Test
    void shouldNotLetTheThreadCacheNameTheOsBoundary() throws IOException {
        assertFails(compileAs("dev.hakmem.cache", "dev.hakmem.refill.os.OsMemory"), "dev.hakmem.refill.os", NOT_EXPORTED);
    }

    // ---- Box 2, the refill engine ----

    @Test
    void shouldNotLetTheRefillEngineNameTheLearner() throws IOException {
        assertFails(compileAs("dev.hakmem.refill", "dev.hakmem.ace.PolicyLearner"), "dev.hakmem.ace", NOT_READ);
    }

    @Test
    void shouldNotLetTheRefillEngineNameTheThreadCache() throws IOException {
        assertFails(compileAs("dev.hakmem.refill", "dev.hakmem.cache.ThreadCache"), "dev.hakmem.cache", NOT_READ);
    }

    @Test
    void shouldNotLetTheRefillEngineNameTheFacade() throws IOException {
        assertFails(compileAs("dev.hakmem.refill", "dev.hakmem.HakmemConfig"), "dev.hakmem", NOT_READ);
    }

    // ---- Box 3, the learning box ----

    @Test
    void shouldLetTheLearningBoxNameTheEnginesContracts() throws IOException {
        Result result = compileAs("dev.hakmem.ace", "dev.hakmem.refill.spi.EventRing", "dev.hakmem.refill.spi.Policy");
        assertTrue(result.compiled(), result.output());
    }

    @Test
    void shouldNotLetTheLearningBoxNameTheRefillEngineBeyondItsContracts() throws IOException {
        assertFails(compileAs("dev.hakmem.ace", "dev.hakmem.refill.Span"), "dev.hakmem.refill", NOT_EXPORTED_TO_IT + "dev.hakmem.ace");
    }

    @Test
    void shouldNotLetTheLearningBoxNameTheThreadCache() throws IOException {
        assertFails(compileAs("dev.hakmem.ace", "dev.hakmem.cache.ThreadCache"), "dev.hakmem.cache", NOT_READ);
    }

    // ---- the facade ----

    @Test
    void shouldLetTheFacadeStartTheLearner() throws IOException {
        Result result = compileAs("dev.hakmem", "dev.hakmem.ace.Learner", "dev.hakmem.ace.PolicyLearner");
        assertTrue(result.compiled(), result.output());
    }

    @Test
    void shouldNotLetTheFacadeNameTheOsBoundary() throws IOException {
        assertFails(compileAs("dev.hakmem", "dev.hakmem.refill.os.OsMemory"), "dev.hakmem.refill.os", NOT_EXPORTED);
    }

    // ---- the probe ----

    private record Result(boolean compiled, String output) {
    }

    private static void assertFails(Result result, String pkg, String reason) {
        assertFalse(result.compiled(), "a forbidden edge compiled");
        assertTrue(result.output().contains("package " + pkg + " is not visible"), result.output());
        assertTrue(result.output().contains(reason), "expected '" + reason + "' in:\n" + result.output());
    }

    /** A probe compiled as {@code box}: its name, and the requires of its built descriptor. */
    private Result compileAs(String box, String... types) throws IOException {
        ModuleDescriptor descriptor = modules.get(box).descriptor();
        List<String> requires = descriptor.requires().stream()
                .filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.MANDATED))
                .map(ModuleDescriptor.Requires::name).toList();
        return compile(box, requires, types);
    }

    private Result compile(String module, List<String> requires, String... types) throws IOException {
        Path src = dir.resolve("src");
        Path pkg = src.resolve("probe");
        Files.createDirectories(pkg);
        StringBuilder info = new StringBuilder("module ").append(module).append(" {\n");
        requires.forEach(r -> info.append("    requires ").append(r).append(";\n"));
        Files.writeString(src.resolve("module-info.java"), info.append("}\n"));
        StringBuilder probe = new StringBuilder("package probe;\n\nclass Probe {\n");
        for (int i = 0; i < types.length; i++) {
            probe.append("    Class<?> t").append(i).append(" = ").append(types[i]).append(".class;\n");
        }
        Files.writeString(pkg.resolve("Probe.java"), probe.append("}\n"));

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            // an empty class path: javac in process would otherwise take this JVM's, where the same
            // packages sit in the unnamed module and the probe would fail for that reason instead
            Path emptyClassPath = Files.createDirectories(dir.resolve("no-classes"));
            List<String> options = new ArrayList<>(List.of("--module-path", modulePath, "--class-path", emptyClassPath.toString(),
                    "-d", dir.resolve("out").toString(), "-proc:none", "-Xlint:-module"));
            boolean ok = javac.getTask(null, files, diagnostics, options, null,
                    files.getJavaFileObjects(src.resolve("module-info.java"), pkg.resolve("Probe.java"))).call();
            String output = diagnostics.getDiagnostics().stream().map(d -> d.getKind() + ": " + d.getMessage(Locale.ROOT))
                    .collect(Collectors.joining("\n"));
            return new Result(ok, output);
        }
    }
}
