package dev.hakmem.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract D: the thread cache cannot name the learning box. Compiles a probe module as Box 1 (its
 * name, to which Box 2 exports, and its one dependency, dev.hakmem.refill) against the real modules:
 * naming a Box 2 type compiles, naming a Box 3 type does not. The module-tests module checks every
 * other edge.
 */
class ModuleBoundaryTest {
    @TempDir
    Path dir;

    @Test
    void shouldCompileAProbeThatNamesTheRefillEngine() throws Exception {
        CompileResult result = compileProbe("dev.hakmem.refill.SizeClasses");
        assertEquals(0, result.exitCode(), result.output());
    }

    @Test
    void shouldFailToCompileAProbeThatNamesTheLearningBox() throws Exception {
        CompileResult result = compileProbe("dev.hakmem.ace.Learner");
        assertNotEquals(0, result.exitCode(), "Box 1 must not be able to name Box 3");
        assertTrue(result.output().contains("dev.hakmem.ace") && result.output().contains("does not read"), result.output());
    }

    @Test
    void shouldFailToCompileAProbeThatNamesTheLearnersContracts() throws Exception {
        CompileResult result = compileProbe("dev.hakmem.refill.spi.Policy");
        assertNotEquals(0, result.exitCode(), "Box 1 must not be able to publish or read a policy");
        assertTrue(result.output().contains("dev.hakmem.refill.spi") && result.output().contains("does not export it to module dev.hakmem.cache"),
                result.output());
    }

    private record CompileResult(int exitCode, String output) {
    }

    private CompileResult compileProbe(String importedType) throws IOException {
        Path source = dir.resolve("src/probe");
        Files.createDirectories(source.resolve("probe"));
        Files.writeString(source.resolve("module-info.java"), "module dev.hakmem.cache { requires dev.hakmem.refill; }\n");
        Files.writeString(source.resolve("probe/Probe.java"), "package probe;\nimport " + importedType + ";\n"
                + "public class Probe { Object type = " + importedType.substring(importedType.lastIndexOf('.') + 1) + ".class; }\n");
        String modulePath = System.getProperty("hakmem.probe.refill") + java.io.File.pathSeparator
                + System.getProperty("hakmem.probe.ace");
        // javac of the JDK running the tests, in its own process: the test module does not read java.compiler
        Path javac = Path.of(System.getProperty("java.home"), "bin", "javac");
        Process process = new ProcessBuilder(javac.toString(), "--module-path", modulePath,
                "-d", dir.resolve("out").toString(),
                source.resolve("module-info.java").toString(), source.resolve("probe/Probe.java").toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        try {
            return new CompileResult(process.waitFor(), output);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Test
    void shouldDeclareOnlyTheRefillEngineAsADependencyOfTheThreadCache() {
        List<String> requires = ThreadCache.class.getModule().getDescriptor() == null ? List.of()
                : ThreadCache.class.getModule().getDescriptor().requires().stream().map(r -> r.name()).sorted().toList();
        if (!requires.isEmpty()) {
            assertEquals(List.of("dev.hakmem.refill", "java.base"), requires);
        }
    }
}
