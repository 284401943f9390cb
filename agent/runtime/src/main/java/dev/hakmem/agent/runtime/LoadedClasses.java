package dev.hakmem.agent.runtime;

import dev.hakmem.agent.transform.CallSiteTransformer;
import dev.hakmem.agent.transform.ClassFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;

/**
 * After a dynamic attach (or with {@code jdk=true}, for JDK classes loaded before the agent),
 * retransforms the classes already loaded that call a rewritten method. Each candidate's class file
 * is read back from its loader or module and put through the constant-pool scan first, so only
 * classes with call sites are retransformed.
 */
final class LoadedClasses {
    private static final Logger LOG = LoggerFactory.getLogger(LoadedClasses.class);

    private LoadedClasses() {
    }

    static void retransformCallers(Instrumentation inst, ClassFilter filter, CallSiteTransformer transformer) {
        List<Class<?>> callers = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (c.isArray() || c.isPrimitive() || c.isHidden() || !inst.isModifiableClass(c)) {
                continue;
            }
            String internalName = c.getName().replace('.', '/');
            if (!filter.accepts(c.getClassLoader(), internalName)) {
                continue;
            }
            byte[] bytes = classFile(c, internalName);
            if (bytes == null || CallSiteTransformer.mayCallDirectMemory(bytes)) {
                callers.add(c);
            }
        }
        int done = 0;
        for (Class<?> c : callers) {
            try {
                inst.retransformClasses(c);
                done++;
            } catch (Throwable t) {
                LOG.warn("hakmem: could not retransform {}; its call sites stay with the JDK", c.getName(), t);
            }
        }
        LOG.info("hakmem: retransformed {} of {} loaded classes that may call direct-memory methods", done, callers.size());
    }

    private static byte[] classFile(Class<?> c, String internalName) {
        String resource = internalName + ".class";
        try (InputStream in = c.getModule().isNamed() ? c.getModule().getResourceAsStream(resource)
                : c.getClassLoader() == null ? ClassLoader.getSystemResourceAsStream(resource)
                : c.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (Exception e) {
            return null;
        }
    }
}
