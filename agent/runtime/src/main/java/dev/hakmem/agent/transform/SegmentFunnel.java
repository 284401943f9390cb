package dev.hakmem.agent.transform;

import dev.hakmem.agent.site.DirectMemoryApi;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;

/**
 * Serving native segments (every {@code Arena.allocate}, and Netty 4.2's chunks on JDK 25) through the
 * JDK's one funnel, {@code jdk.internal.foreign.SegmentFactories}: its internal {@code Unsafe.allocateMemory}
 * and, in a nested cleanup class that an arena runs when it closes, {@code Unsafe.freeMemory}.
 *
 * <p>Both sides must be hakmem's or neither: a hakmem block given to the JDK's {@code free()} would end
 * the process. So the free side is rewritten first, on its own (the nested class is loaded ahead of
 * need), and the allocating class only once that is confirmed; a JDK whose funnel does not look as
 * expected (one allocation, one cleanup class that frees) keeps its segments, with one line saying so.
 */
public final class SegmentFunnel {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentFunnel.class);

    private volatile boolean freeSideRewritten;
    private volatile boolean givenUp;

    /** For the filter: nested classes may be rewritten at once, the allocating class only after its free side. */
    boolean accepts(String internalName) {
        if (givenUp) {
            return false;
        }
        return !internalName.equals(DirectMemoryApi.SEGMENT_FACTORIES) || freeSideRewritten;
    }

    /**
     * Finds the funnel's cleanup class, has it rewritten (loading or retransforming it), then lets the
     * allocating class be rewritten (retransforming it if it is loaded already). Call after the
     * transformer is installed.
     *
     * @return true if segments will be served
     */
    public boolean prepare(Instrumentation inst, CallSiteTransformer transformer) {
        try {
            byte[] outer = jdkClassFile(DirectMemoryApi.SEGMENT_FACTORIES);
            if (outer == null || calls(outer, "allocateMemory", "(J)J") != 1) {
                return giveUp("its allocation is not the one internal Unsafe.allocateMemory call expected");
            }
            List<String> cleanups = new ArrayList<>();
            for (String nested : nestedClasses(outer)) {
                byte[] bytes = jdkClassFile(nested);
                if (bytes != null && calls(bytes, "freeMemory", "(J)V") > 0) {
                    cleanups.add(nested);
                }
            }
            if (cleanups.size() != 1) {
                return giveUp("found " + cleanups.size() + " cleanup classes that free, where one was expected");
            }
            long before = transformer.segmentFreeSites();
            Class<?> cleanup = Class.forName(cleanups.getFirst().replace('/', '.'), false, null);
            if (transformer.segmentFreeSites() == before) {
                inst.retransformClasses(cleanup); // it was loaded before the transformer
            }
            if (transformer.segmentFreeSites() == before) {
                return giveUp("its cleanup class " + cleanup.getName() + " could not be rewritten");
            }
            freeSideRewritten = true;
            for (Class<?> c : inst.getAllLoadedClasses()) {
                if (c.getName().equals(DirectMemoryApi.SEGMENT_FACTORIES.replace('/', '.')) && c.getClassLoader() == null) {
                    inst.retransformClasses(c);
                }
            }
            return true;
        } catch (Throwable t) {
            LOG.debug("hakmem: preparing the native-segment funnel failed", t);
            return giveUp(t.toString());
        }
    }

    private boolean giveUp(String why) {
        givenUp = true;
        LOG.warn("hakmem: this JDK's native-segment funnel (jdk.internal.foreign.SegmentFactories) is not as hakmem expects ({});"
                + " FFM arenas keep the JDK's memory", why);
        return false;
    }

    private static byte[] jdkClassFile(String internalName) throws IOException {
        try (InputStream in = Object.class.getModule().getResourceAsStream(internalName + ".class")) {
            return in == null ? null : in.readAllBytes();
        }
    }

    private static List<String> nestedClasses(byte[] classFile) {
        List<String> nested = new ArrayList<>();
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public void visitInnerClass(String name, String outerName, String innerName, int access) {
                if (DirectMemoryApi.isSegmentFunnelClass(name) && !name.equals(DirectMemoryApi.SEGMENT_FACTORIES)) {
                    nested.add(name);
                }
            }
        }, ClassReader.SKIP_CODE);
        return nested;
    }

    /** @return how many {@code invokevirtual jdk/internal/misc/Unsafe.<method><descriptor>} the class holds */
    private static int calls(byte[] classFile, String method, String descriptor) {
        int[] count = {0};
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String m, String d, boolean itf) {
                        if (opcode == Opcodes.INVOKEVIRTUAL && owner.equals("jdk/internal/misc/Unsafe") && m.equals(method)
                                && d.equals(descriptor)) {
                            count[0]++;
                        }
                    }
                };
            }
        }, 0);
        return count[0];
    }
}
