package dev.hakmem.agent.transform;

import dev.hakmem.agent.site.CallSite;
import dev.hakmem.agent.site.DirectMemoryApi;
import dev.hakmem.agent.site.SiteRegistry;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where {@code jdk.internal.misc.Unsafe}'s memory calls are rewritten: in library classes always, in JDK
 * classes only with {@code jdk=true} and only in a class that frees all it allocates ({@code sun.nio.ch.Util}),
 * checked against the class's real bytes.
 */
class InternalUnsafeSitesTest {
    private static final ClassLoader APP = InternalUnsafeSitesTest.class.getClassLoader();
    private static final String UTIL = "sun/nio/ch/Util";

    private final ClassFilter jdkFalse = new ClassFilter(List.of(), List.of(), false, null);
    private final ClassFilter jdkTrue = new ClassFilter(List.of(), List.of(), true, null);

    @Test
    void shouldRewriteALibraryClassesInternalUnsafeCallsAtTheirLines() {
        SiteRegistry registry = new SiteRegistry();
        CallSiteTransformer transformer = new CallSiteTransformer(registry, jdkFalse, () -> { });
        assertNotNull(transformer.rewrite(APP, library("com/example/Lib"), true));
        List<CallSite> sites = registry.all();
        assertEquals(List.of(DirectMemoryApi.INTERNAL_ALLOCATE_MEMORY, DirectMemoryApi.INTERNAL_REALLOCATE_MEMORY,
                DirectMemoryApi.INTERNAL_FREE_MEMORY), sites.stream().map(CallSite::api).toList());
        assertEquals(List.of(11, 12, 13), sites.stream().map(CallSite::line).toList());
        assertEquals("jdk.internal.misc.Unsafe.allocateMemory", sites.getFirst().api().label());
    }

    @Test
    void shouldLeaveTheSameCallsAloneInAJdkClass() {
        SiteRegistry registry = new SiteRegistry();
        CallSiteTransformer transformer = new CallSiteTransformer(registry, jdkTrue, () -> { });
        assertNull(transformer.rewrite(null, library("java/nio/Lib"), true), "a JDK class of the boot loader, even with jdk=true");
        assertNull(transformer.rewrite(ClassLoader.getPlatformClassLoader(), library("com/example/Lib"), true), "a platform class");
        assertEquals(0, registry.size());
    }

    @Test
    void shouldAcceptOnlySunNioChUtilAmongJdkClassesAndOnlyWithJdkTrue() throws IOException {
        byte[] util = jdkClass(UTIL);
        assertTrue(jdkTrue.mayRewriteInternalUnsafe(null, UTIL, util), "JDK 25's temporary buffers, allocated and freed in Util");
        assertFalse(jdkFalse.mayRewriteInternalUnsafe(null, UTIL, util), "JDK classes stay alone without jdk=true");
        for (String allocatesHereFreesElsewhere : List.of("java/nio/DirectByteBuffer", "sun/nio/fs/NativeBuffer", "sun/misc/Unsafe",
                "jdk/internal/misc/Unsafe", "jdk/internal/foreign/SegmentFactories")) {
            assertFalse(jdkTrue.mayRewriteInternalUnsafe(null, allocatesHereFreesElsewhere, jdkClass(allocatesHereFreesElsewhere)),
                    allocatesHereFreesElsewhere);
        }
        assertTrue(jdkFalse.mayRewriteInternalUnsafe(APP, "org/agrona/UnsafeApi", library("org/agrona/UnsafeApi")));
    }

    @Test
    void shouldRefuseAUtilThatNoLongerLooksAsOnJdk25() throws IOException {
        // sun.misc.Unsafe's bytes allocate, free and reallocate: a Util that reallocated could hand a block elsewhere
        assertFalse(jdkTrue.mayRewriteInternalUnsafe(null, UTIL, jdkClass("sun/misc/Unsafe")));
        // the internal Unsafe's own bytes free but never allocate
        assertFalse(jdkTrue.mayRewriteInternalUnsafe(null, UTIL, jdkClass("jdk/internal/misc/Unsafe")));
    }

    private static byte[] jdkClass(String internalName) throws IOException {
        Module module = internalName.startsWith("sun/misc/") ? ModuleLayer.boot().findModule("jdk.unsupported").orElseThrow()
                : Object.class.getModule();
        try (InputStream in = module.getResourceAsStream(internalName + ".class")) {
            assertNotNull(in, internalName);
            return in.readAllBytes();
        }
    }

    /** {@code static void cycle(jdk.internal.misc.Unsafe u)}: allocate at line 11, reallocate at 12, free at 13. */
    private static byte[] library(String internalName) {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, internalName, null, "java/lang/Object", null);
        writer.visitSource("Lib.java", null);
        MethodVisitor mv = writer.visitMethod(Opcodes.ACC_STATIC, "cycle", "(Ljdk/internal/misc/Unsafe;)V", null, null);
        mv.visitCode();
        line(mv, 11);
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitLdcInsn(64L);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "jdk/internal/misc/Unsafe", "allocateMemory", "(J)J", false);
        line(mv, 12);
        mv.visitLdcInsn(128L);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "jdk/internal/misc/Unsafe", "reallocateMemory", "(JJ)J", false);
        mv.visitVarInsn(Opcodes.LSTORE, 1);
        line(mv, 13);
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitVarInsn(Opcodes.LLOAD, 1);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "jdk/internal/misc/Unsafe", "freeMemory", "(J)V", false);
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    private static void line(MethodVisitor mv, int line) {
        Label label = new Label();
        mv.visitLabel(label);
        mv.visitLineNumber(line, label);
    }
}
