package dev.hakmem.agent.transform;

import dev.hakmem.agent.site.CallSite;
import dev.hakmem.agent.site.DirectMemoryApi;
import dev.hakmem.agent.site.SiteRegistry;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CallSiteTransformerTest {
    private static final Path SOURCE = Path.of("src/test/java/dev/hakmem/agent/transform/Callers.java");

    private final SiteRegistry registry = new SiteRegistry();
    private final java.util.concurrent.atomic.AtomicInteger firstRewrites = new java.util.concurrent.atomic.AtomicInteger();
    private final CallSiteTransformer transformer = new CallSiteTransformer(registry,
            new ClassFilter(List.of(), List.of(), false, null), firstRewrites::incrementAndGet);

    private static byte[] classFile(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    private static int lineOf(String marker) throws IOException {
        List<String> lines = Files.readAllLines(SOURCE);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("// site:" + marker)) {
                return i + 1;
            }
        }
        throw new AssertionError("no marker " + marker);
    }

    private byte[] transform(Class<?> c) throws IOException {
        return transformer.transform(c.getModule(), c.getClassLoader(), c.getName().replace('.', '/'), null, null, classFile(c));
    }

    @Test
    void shouldLeaveClassesWithoutCallSitesUntouched() throws IOException {
        byte[] original = classFile(NoCallers.class);
        byte[] copy = original.clone();
        assertFalse(ConstantPoolScan.mayCallDirectMemory(original));
        assertNull(transformer.transform(null, getClass().getClassLoader(), "dev/hakmem/agent/transform/NoCallers", null, null, original));
        assertArrayEquals(copy, original, "the input bytes are not modified either");
        assertEquals(0, registry.size());
        assertEquals(0, firstRewrites.get(), "no allocator is started for classes without call sites");
        assertFalse(ConstantPoolScan.mayCallDirectMemory(classFile(String.class)));
        assertFalse(ConstantPoolScan.mayCallDirectMemory(new byte[] {1, 2, 3}));
    }

    @Test
    void shouldGiveEveryCallSiteAnIdWithItsMethodAndLine() throws IOException {
        byte[] rewritten = transform(Callers.class);
        assertNotNull(rewritten);
        Map<String, List<CallSite>> byMethod = registry.all().stream().collect(Collectors.groupingBy(CallSite::method));

        CallSite direct = byMethod.get("direct").getFirst();
        assertEquals(DirectMemoryApi.ALLOCATE_DIRECT, direct.api());
        assertEquals(lineOf("direct"), direct.line());
        assertEquals("Callers.java", direct.file());
        assertEquals("dev.hakmem.agent.transform.Callers", direct.className());
        assertEquals("(I)Ljava/nio/ByteBuffer;", direct.descriptor());

        Map<DirectMemoryApi, CallSite> cycle = byMethod.get("unsafeCycle").stream()
                .collect(Collectors.toMap(CallSite::api, Function.identity()));
        assertEquals(lineOf("allocate"), cycle.get(DirectMemoryApi.ALLOCATE_MEMORY).line());
        assertEquals(lineOf("reallocate"), cycle.get(DirectMemoryApi.REALLOCATE_MEMORY).line());
        assertEquals(lineOf("free"), cycle.get(DirectMemoryApi.FREE_MEMORY).line());
        assertEquals(lineOf("cleaner"), byMethod.get("clean").getFirst().line());
        assertEquals(lineOf("reference"), byMethod.get("reference").getFirst().line());

        List<CallSite> two = byMethod.get("twoOnOneLine");
        assertEquals(2, two.size(), "two calls on one line are two sites");
        assertNotEquals(two.get(0).id(), two.get(1).id());
        List<CallSite> branchy = byMethod.get("branchy");
        assertEquals(3, branchy.size(), "two allocations in a conditional and a free, in a loop with a handler");
        assertTrue(branchy.stream().filter(c -> c.api() == DirectMemoryApi.ALLOCATE_MEMORY).allMatch(c -> {
            try {
                return c.line() == lineOf("branchy");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
        assertEquals(11, registry.size());
        assertEquals("dev.hakmem.agent.transform.Callers.direct(Callers.java:" + lineOf("direct") + ")", direct.location());
    }

    @Test
    void shouldReplaceEveryCallByAnInvokedynamicThatOnlyHakmemsLinkerBootstraps() throws IOException {
        byte[] rewritten = transform(Callers.class);
        List<String> calls = new ArrayList<>();
        new ClassReader(rewritten).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        boolean original = DirectMemoryApi.of(opcode == Opcodes.INVOKEVIRTUAL, owner, method, desc) != null;
                        assertFalse(original, "left in place: " + owner + "." + method + " in " + name);
                    }

                    @Override
                    public void visitInvokeDynamicInsn(String method, String desc, Handle bootstrap, Object... arguments) {
                        if (!bootstrap.getOwner().equals(DirectMemoryApi.LINKER)) {
                            return; // javac's own (string concatenation, lambdas)
                        }
                        assertEquals(DirectMemoryApi.LINK_METHOD, bootstrap.getName());
                        assertEquals(DirectMemoryApi.LINK_DESCRIPTOR, bootstrap.getDesc());
                        assertEquals(1, arguments.length, "the site id is the only static argument");
                        CallSite site = registry.get((Integer) arguments[0]);
                        assertNotNull(site, "a registered site id in " + name);
                        assertEquals(site.api().method(), method);
                        assertEquals(site.api().callSiteDescriptor(), desc, "the original call's stack effect");
                        calls.add(name + ":" + method);
                    }
                };
            }
        }, 0);
        assertTrue(calls.contains("direct:allocateDirect"), calls.toString());
        assertTrue(calls.contains("unsafeCycle:freeMemory"), calls.toString());
        assertTrue(calls.stream().anyMatch(c -> c.startsWith("hakmem$site$") && c.endsWith(":allocateDirect")),
                "the method reference goes through a synthetic method: " + calls);
    }

    @Test
    void shouldLetOnlyTheRewrittenClassOfItsOwnLoaderLinkASite() throws IOException {
        transform(Callers.class);
        int site = registry.all().getFirst().id();
        assertTrue(registry.declares(Callers.class, site));
        assertFalse(registry.declares(NoCallers.class, site), "another class");
        assertFalse(registry.declares(Callers.class, registry.size() + 1), "an id never handed out");
        assertFalse(registry.declares(Callers.class, 0));
        Class<?> sameNameOtherLoader = new ClassLoader(null) {
            Class<?> define() throws IOException {
                byte[] bytes = classFile(Callers.class);
                return defineClass(Callers.class.getName(), bytes, 0, bytes.length);
            }
        }.define();
        assertFalse(registry.declares(sameNameOtherLoader, site), "a class of the same name from a loader the site was not rewritten for");
    }

    @Test
    void shouldLeaveClassFilesOlderThanJava7ToTheJdkAndCountThem() throws IOException {
        byte[] old = classFile(Callers.class).clone();
        old[6] = 0;
        old[7] = 50; // Java 6: no invokedynamic
        assertNull(transformer.transform(null, getClass().getClassLoader(), "dev/hakmem/agent/transform/Callers", null, null, old));
        assertEquals(1, transformer.tooOldClasses());
        assertEquals(0, registry.size());
        assertEquals(0, transformer.failedClasses());
    }

    @Test
    void shouldProduceClassesTheVerifierAccepts() throws Exception {
        byte[] rewritten = transform(Callers.class);
        Class<?> loaded = new ClassLoader(null) {
            Class<?> define() {
                return defineClass("dev.hakmem.agent.transform.Callers", rewritten, 0, rewritten.length);
            }
        }.define();
        // linking verifies every method; the bridge itself is resolved only when a call runs
        java.lang.invoke.MethodHandles.lookup().in(loaded);
        Class.forName(loaded.getName(), true, loaded.getClassLoader());
        assertEquals(rewritten.length > 0, loaded.getDeclaredMethods().length > 0);
    }

    @Test
    void shouldLeaveMethodHandlesAloneWhenMethodsCannotBeAdded() throws IOException {
        byte[] rewritten = transformer.rewrite(classFile(Callers.class), false);
        assertNotNull(rewritten);
        assertEquals(1, transformer.handlesLeft(), "the method reference stays with the JDK when retransforming");
        assertTrue(registry.all().stream().noneMatch(s -> s.method().equals("reference")));
    }

    @Test
    void shouldKeepIdsWhenTheSameClassIsRewrittenAgain() throws IOException {
        transform(Callers.class);
        int sites = registry.size();
        transform(Callers.class);
        assertEquals(sites, registry.size());
        assertEquals(1, firstRewrites.get(), "the allocator's start is triggered once, by the first rewrite");
    }

    @Test
    void shouldApplyIncludeAndExcludePatternsAndKeepJdkClassesOut() {
        ClassFilter filter = new ClassFilter(List.of("com.example.*"), List.of("com.example.internal.*"), false, null);
        ClassLoader app = getClass().getClassLoader();
        assertTrue(filter.accepts(app, "com/example/Pool"));
        assertFalse(filter.accepts(app, "com/example/internal/Pool"));
        assertFalse(filter.accepts(app, "org/other/Pool"));
        ClassFilter all = new ClassFilter(List.of(), List.of(), false, null);
        assertFalse(all.accepts(null, "sun/nio/ch/Util"));
        assertFalse(all.accepts(app, "java/nio/HakmemBridge"));
        assertTrue(new ClassFilter(List.of(), List.of(), true, null).accepts(null, "sun/nio/ch/Util"));
        assertFalse(new ClassFilter(List.of(), List.of(), true, null).accepts(null, "java/nio/HakmemBridge"));
    }

    /**
     * javac emits neither an {@code ldc} of a method handle nor a dynamic constant for these calls, but
     * other compilers and bytecode tools do: a class generated here loads {@code ByteBuffer.allocateDirect}
     * as a handle both ways.
     */
    @Test
    void shouldRedirectHandlesInLdcAndInDynamicConstants() throws Exception {
        net.bytebuddy.jar.asm.ClassWriter writer = new net.bytebuddy.jar.asm.ClassWriter(net.bytebuddy.jar.asm.ClassWriter.COMPUTE_FRAMES);
        writer.visit(Opcodes.V21, Opcodes.ACC_PUBLIC, "example/Handles", null, "java/lang/Object", null);
        writer.visitSource("Handles.java", null);
        net.bytebuddy.jar.asm.Handle allocateDirect = new net.bytebuddy.jar.asm.Handle(Opcodes.H_INVOKESTATIC, "java/nio/ByteBuffer",
                "allocateDirect", "(I)Ljava/nio/ByteBuffer;", false);
        net.bytebuddy.jar.asm.Handle invoke = new net.bytebuddy.jar.asm.Handle(Opcodes.H_INVOKESTATIC, "java/lang/invoke/ConstantBootstraps",
                "invoke", "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;Ljava/lang/invoke/MethodHandle;[Ljava/lang/Object;)Ljava/lang/Object;", false);
        MethodVisitor mv = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "handles", "()[Ljava/lang/Object;", null, null);
        mv.visitCode();
        net.bytebuddy.jar.asm.Label line = new net.bytebuddy.jar.asm.Label();
        mv.visitLabel(line);
        mv.visitLineNumber(7, line);
        mv.visitInsn(Opcodes.ICONST_2);
        mv.visitTypeInsn(Opcodes.ANEWARRAY, "java/lang/Object");
        mv.visitInsn(Opcodes.DUP);
        mv.visitInsn(Opcodes.ICONST_0);
        mv.visitLdcInsn(allocateDirect);
        mv.visitInsn(Opcodes.AASTORE);
        mv.visitInsn(Opcodes.DUP);
        mv.visitInsn(Opcodes.ICONST_1);
        // a dynamic constant: ConstantBootstraps.invoke(allocateDirect, 16), i.e. a buffer made at link time
        mv.visitLdcInsn(new net.bytebuddy.jar.asm.ConstantDynamic("buffer", "Ljava/nio/ByteBuffer;", invoke, allocateDirect, 16));
        mv.visitInsn(Opcodes.AASTORE);
        mv.visitInsn(Opcodes.ARETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        writer.visitEnd();

        byte[] rewritten = transformer.rewrite(writer.toByteArray(), true);
        assertNotNull(rewritten);
        assertEquals(2, registry.size(), "one site for the ldc, one for the dynamic constant's argument");
        assertTrue(registry.all().stream().allMatch(site -> site.line() == 7 && site.api() == DirectMemoryApi.ALLOCATE_DIRECT));
        List<String> handles = new ArrayList<>();
        new ClassReader(rewritten).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitLdcInsn(Object value) {
                        if (value instanceof net.bytebuddy.jar.asm.Handle h) {
                            handles.add(h.getOwner() + "." + h.getName());
                        } else if (value instanceof net.bytebuddy.jar.asm.ConstantDynamic d) {
                            handles.add(((net.bytebuddy.jar.asm.Handle) d.getBootstrapMethodArgument(0)).getName());
                        }
                    }
                };
            }
        }, 0);
        assertEquals(2, handles.size(), handles.toString());
        assertTrue(handles.stream().allMatch(h -> h.contains("hakmem$site$")), handles.toString());
        Class<?> loaded = new ClassLoader(null) {
            Class<?> define() {
                return defineClass("example.Handles", rewritten, 0, rewritten.length);
            }
        }.define();
        Class.forName(loaded.getName(), true, loaded.getClassLoader()); // verifies
    }
}
