package dev.hakmem.agent;

import java.lang.instrument.Instrumentation;
import java.lang.module.Configuration;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What {@link HakmemAgent} starts once it has found a JDK hakmem runs on. With the entry class, this
 * is all of hakmem that lives on the application's class loader. It builds a module layer
 * for the rest (the allocator, SLF4J, the agent runtime with Byte Buddy's ASM relocated), opens
 * {@code java.nio} to the runtime's module alone, so that the runtime can define the call-site bridge
 * inside {@code java.base}, and starts it. Nothing is opened or granted to the application.
 *
 * <p>A malformed option stops the JVM (exit status 2) with a message that names it and lists the valid
 * ones; any other failure is logged once and the application runs on the JDK's allocator.
 */
final class AgentLauncher {
    private static final String ENTRY = "dev.hakmem.agent.runtime.AgentRuntime";
    private static final String TOOL = "dev.hakmem.agent.runtime.ReportTool";
    private static Consumer<Object[]> entry;
    private static Object controller;

    private AgentLauncher() {
    }

    /** Called reflectively by {@link HakmemAgent}, which cannot link to a class compiled for Java 25. */
    static synchronized void start(String args, Instrumentation inst, boolean attached) {
        long startNanos = System.nanoTime();
        Path jar;
        try {
            jar = Path.of(AgentLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (entry == null) {
                entry = buildLayer(jar, inst);
            }
        } catch (Throwable t) {
            warn("hakmem: the agent could not start; the application runs on the JDK's allocator", t);
            return;
        }
        try {
            entry.accept(new Object[] {args, inst, attached, jar.toString(), controller, startNanos});
        } catch (IllegalArgumentException bad) {
            if (bad.getClass().getSimpleName().equals("BadAgentOptionException")) {
                if (attached) {
                    // one line in the running JVM's stderr; thrown, it would also print java.lang.instrument's
                    // stack trace and "ASSERTION FAILED" lines into the application's log
                    System.err.println(bad.getMessage() + "; the attach changed nothing");
                    return;
                }
                // like the java launcher with a bad option: the message, an exit status, no stack trace or abort
                System.err.println(bad.getMessage());
                System.exit(2);
            }
            warn("hakmem: the agent could not start; the application runs on the JDK's allocator", bad);
        } catch (Throwable t) {
            warn("hakmem: the agent could not start; the application runs on the JDK's allocator", t);
        }
    }

    /** Logged through the platform logger: SLF4J lives in the layer that failed to start. Made lazily, off the normal path. */
    private static void warn(String message, Throwable cause) {
        System.getLogger("dev.hakmem.agent").log(System.Logger.Level.WARNING, message, cause);
    }

    @SuppressWarnings("unchecked")
    private static Consumer<Object[]> buildLayer(Path jar, Instrumentation inst) throws Exception {
        ModuleLayer.Controller layerController = defineLayer(jar);
        Module runtime = layerController.layer().findModule(EmbeddedModules.RUNTIME_MODULE).orElseThrow();
        inst.redefineModule(ByteBuffer.class.getModule(), Set.of(), Map.of(), Map.of("java.nio", Set.of(runtime)),
                Set.of(), Map.of());
        controller = layerController;
        Class<?> runtimeClass = layerController.layer().findLoader(EmbeddedModules.RUNTIME_MODULE).loadClass(ENTRY);
        return (Consumer<Object[]>) runtimeClass.getConstructor().newInstance();
    }

    /** hakmem's module layer, with the runtime's entry package exported to this class's module alone. */
    private static ModuleLayer.Controller defineLayer(Path jar) throws java.io.IOException {
        EmbeddedModules modules = EmbeddedModules.in(jar);
        Configuration configuration = ModuleLayer.boot().configuration()
                .resolve(modules, java.lang.module.ModuleFinder.of(), modules.moduleNames());
        // the platform loader as parent: the application's classes (its own SLF4J, Byte Buddy, ...) stay out of sight
        ModuleLayer.Controller layerController = ModuleLayer.defineModulesWithOneLoader(configuration,
                List.of(ModuleLayer.boot()), ClassLoader.getPlatformClassLoader());
        Module runtime = layerController.layer().findModule(EmbeddedModules.RUNTIME_MODULE).orElseThrow();
        layerController.addExports(runtime, "dev.hakmem.agent.runtime", AgentLauncher.class.getModule());
        return layerController;
    }

    /**
     * {@code java -jar hakmem-agent.jar ...}: the report tool ({@code dev.hakmem.agent.runtime.ReportTool}),
     * in hakmem's layer as the agent runs; no instrumentation, nothing opened.
     *
     * @return the tool's exit status
     */
    static int runTool(String[] args) throws Exception {
        Path jar = Path.of(AgentLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleLayer layer = defineLayer(jar).layer();
        Class<?> tool = layer.findLoader(EmbeddedModules.RUNTIME_MODULE).loadClass(TOOL);
        return (Integer) tool.getMethod("run", String[].class, java.io.PrintStream.class, java.io.PrintStream.class)
                .invoke(null, args, System.out, System.err);
    }
}
