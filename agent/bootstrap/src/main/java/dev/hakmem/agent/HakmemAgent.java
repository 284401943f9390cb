package dev.hakmem.agent;

import java.lang.instrument.Instrumentation;
import java.lang.module.Configuration;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code -javaagent:hakmem-agent.jar[=options]} and dynamic attach. This class is all of hakmem that
 * lives on the application's class loader (as any agent's main class must). It builds a module layer
 * for the rest (the allocator, SLF4J, the agent runtime with Byte Buddy's ASM relocated), opens
 * {@code java.nio} to the runtime's module alone, so that the runtime can define the call-site bridge
 * inside {@code java.base}, and starts it. Nothing is opened or granted to the application.
 *
 * <p>A malformed option stops the JVM with a message that names it; any other failure is logged once
 * and the application runs on the JDK's allocator.
 */
public final class HakmemAgent {
    private static final String ENTRY = "dev.hakmem.agent.runtime.AgentRuntime";
    private static Method entry;
    private static Object controller;

    private HakmemAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        start(args, inst, false);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst, true);
    }

    private static synchronized void start(String args, Instrumentation inst, boolean attached) {
        long startNanos = System.nanoTime();
        Path jar;
        try {
            jar = Path.of(HakmemAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (entry == null) {
                entry = buildLayer(jar, inst);
            }
        } catch (Throwable t) {
            warn("hakmem: the agent could not start; the application runs on the JDK's allocator", t);
            return;
        }
        try {
            entry.invoke(null, args, inst, attached, jar.toString(), controller, startNanos);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException bad && bad.getClass().getSimpleName().equals("BadAgentOptionException")) {
                throw bad;
            }
            warn("hakmem: the agent could not start; the application runs on the JDK's allocator", e.getCause());
        } catch (Throwable t) {
            warn("hakmem: the agent could not start; the application runs on the JDK's allocator", t);
        }
    }

    /** Logged through the platform logger: SLF4J lives in the layer that failed to start. Made lazily, off the normal path. */
    private static void warn(String message, Throwable cause) {
        System.getLogger("dev.hakmem.agent").log(System.Logger.Level.WARNING, message, cause);
    }

    private static Method buildLayer(Path jar, Instrumentation inst) throws Exception {
        EmbeddedModules modules = EmbeddedModules.in(jar);
        Configuration configuration = ModuleLayer.boot().configuration()
                .resolve(modules, java.lang.module.ModuleFinder.of(), modules.moduleNames());
        // the platform loader as parent: the application's classes (its own SLF4J, Byte Buddy, ...) stay out of sight
        ModuleLayer.Controller layerController = ModuleLayer.defineModulesWithOneLoader(configuration,
                List.of(ModuleLayer.boot()), ClassLoader.getPlatformClassLoader());
        ModuleLayer layer = layerController.layer();
        Module runtime = layer.findModule(EmbeddedModules.RUNTIME_MODULE).orElseThrow();
        layerController.addExports(runtime, "dev.hakmem.agent.runtime", HakmemAgent.class.getModule());
        inst.redefineModule(ByteBuffer.class.getModule(), Set.of(), Map.of(), Map.of("java.nio", Set.of(runtime)),
                Set.of(), Map.of());
        controller = layerController;
        Class<?> runtimeClass = layer.findLoader(EmbeddedModules.RUNTIME_MODULE).loadClass(ENTRY);
        return runtimeClass.getMethod("start", String.class, Instrumentation.class, boolean.class, String.class,
                ModuleLayer.Controller.class, long.class);
    }
}
