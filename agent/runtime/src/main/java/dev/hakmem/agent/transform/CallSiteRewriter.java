package dev.hakmem.agent.transform;

import dev.hakmem.agent.site.DirectMemoryApi;
import dev.hakmem.agent.site.SiteRegistry;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ConstantDynamic;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rewrites one class: each {@code invokestatic ByteBuffer.allocateDirect} and
 * {@code invokevirtual Unsafe.allocateMemory/reallocateMemory/freeMemory/invokeCleaner} (and, where the
 * filter allows it, the internal {@code Unsafe}'s {@code allocateMemory/reallocateMemory/freeMemory}) becomes an
 * {@code invokedynamic} of the same name and stack effect (the receiver becomes the first argument),
 * bootstrapped by {@code java.nio.HakmemLinker.link} with the site id as its static argument, so the
 * stack map frames stay valid. Only code rewritten here can link to hakmem ({@code HakmemLinker}
 * checks the site id against the class). A method handle constant naming one of these methods (a
 * method reference {@code ByteBuffer::allocateDirect}, an {@code ldc} of a handle, a bootstrap
 * argument of a dynamic constant) is pointed at a synthetic static method that makes the same call
 * with its own site id; when methods cannot be added (a class being retransformed, or an interface
 * older than Java 9), such handles stay as they are and are counted. Class files older than Java 7's
 * format (no {@code invokedynamic}) never get here ({@link CallSiteTransformer} leaves them as they are).
 */
final class CallSiteRewriter extends ClassVisitor {
    private static final String SYNTHETIC_PREFIX = "hakmem$site$";
    private static final Handle LINK = new Handle(Opcodes.H_INVOKESTATIC, DirectMemoryApi.LINKER, DirectMemoryApi.LINK_METHOD,
            DirectMemoryApi.LINK_DESCRIPTOR, false);

    private final SiteRegistry registry;
    private final ClassLoader loader;
    private final boolean mayAddMethods;
    private final boolean internalUnsafe;
    private final Map<Integer, Handle> syntheticHandles = new HashMap<>();
    private final List<Integer> syntheticOrder = new ArrayList<>();
    private String className;
    private String internalName;
    private String sourceFile;
    private boolean isInterface;
    private int classVersion;
    private int rewritten;
    private int handlesLeft;
    private int segmentFrees;

    /**
     * @param loader         the loader defining the class (null for the boot loader): the only one whose class may link its sites
     * @param internalUnsafe whether this class's {@code jdk.internal.misc.Unsafe} calls may be rewritten
     *                       ({@link ClassFilter#mayRewriteInternalUnsafe})
     */
    CallSiteRewriter(ClassVisitor next, SiteRegistry registry, ClassLoader loader, boolean mayAddMethods, boolean internalUnsafe) {
        super(Opcodes.ASM9, next);
        this.registry = registry;
        this.loader = loader;
        this.mayAddMethods = mayAddMethods;
        this.internalUnsafe = internalUnsafe;
    }

    /** @return {@code api}, or null if it is the internal {@code Unsafe}'s and this class may not have those rewritten */
    private DirectMemoryApi allowed(DirectMemoryApi api) {
        return api != null && api.isInternalUnsafe() && !internalUnsafe ? null : api;
    }


    /** @return call sites and handles rewritten */
    int rewritten() {
        return rewritten;
    }

    /** @return calls of the native-segment funnel's free rewritten */
    int segmentFrees() {
        return segmentFrees;
    }

    /** @return method handle constants naming a rewritten method that had to stay as they were */
    int handlesLeft() {
        return handlesLeft;
    }

    @Override
    public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
        this.internalName = name;
        this.className = name.replace('/', '.');
        this.isInterface = (access & Opcodes.ACC_INTERFACE) != 0;
        this.classVersion = version & 0xFFFF;
        super.visit(version, access, name, signature, superName, interfaces);
    }

    @Override
    public void visitSource(String source, String debug) {
        this.sourceFile = source;
        super.visitSource(source, debug);
    }

    @Override
    public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
        return next == null ? null : new MethodRewriter(next, name, descriptor);
    }

    @Override
    public void visitEnd() {
        for (int site : syntheticOrder) {
            writeSyntheticMethod(site, syntheticHandles.get(site));
        }
        super.visitEnd();
    }

    private boolean canAddMethods() {
        return mayAddMethods && (!isInterface || classVersion >= Opcodes.V9);
    }

    /** {@code static R hakmem$site$N(args...) { return <the rewritten call of site N>(args...); }} */
    private void writeSyntheticMethod(int site, Handle handle) {
        DirectMemoryApi api = apiOf(handle);
        MethodVisitor mv = cv.visitMethod(Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC | Opcodes.ACC_SYNTHETIC,
                handle.getName(), handle.getDesc(), null, null);
        mv.visitCode();
        int slot = 0;
        for (Type argument : Type.getArgumentTypes(handle.getDesc())) {
            mv.visitVarInsn(argument.getOpcode(Opcodes.ILOAD), slot);
            slot += argument.getSize();
        }
        linkedCall(mv, api, site);
        mv.visitInsn(Type.getReturnType(handle.getDesc()).getOpcode(Opcodes.IRETURN));
        mv.visitMaxs(0, 0); // computed by the writer (COMPUTE_MAXS)
        mv.visitEnd();
    }

    private static DirectMemoryApi apiOf(Handle synthetic) {
        String name = synthetic.getName();
        return DirectMemoryApi.valueOf(name.substring(name.lastIndexOf('$') + 1));
    }

    private static void linkedCall(MethodVisitor mv, DirectMemoryApi api, int site) {
        mv.visitInvokeDynamicInsn(api.callSiteName(), api.callSiteDescriptor(), LINK, site);
    }

    private final class MethodRewriter extends MethodVisitor {
        private final String method;
        private final String descriptor;
        private final Map<DirectMemoryApi, Integer> ordinals = new HashMap<>();
        private int line = -1;

        MethodRewriter(MethodVisitor next, String method, String descriptor) {
            super(Opcodes.ASM9, next);
            this.method = method;
            this.descriptor = descriptor;
        }

        private int register(DirectMemoryApi api) {
            int ordinal = ordinals.merge(api, 1, Integer::sum) - 1;
            return registry.register(loader, className, method, descriptor, sourceFile, line, api, ordinal);
        }

        @Override
        public void visitLineNumber(int line, net.bytebuddy.jar.asm.Label start) {
            this.line = line;
            super.visitLineNumber(line, start);
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String desc, boolean ownerIsInterface) {
            // the funnel first: its internal Unsafe calls are the funnel's, not call sites of their own
            DirectMemoryApi api = opcode == Opcodes.INVOKEVIRTUAL
                    ? DirectMemoryApi.ofSegmentFunnel(internalName, true, owner, name, desc) : null;
            if (api == null && (opcode == Opcodes.INVOKESTATIC || opcode == Opcodes.INVOKEVIRTUAL)) {
                api = allowed(DirectMemoryApi.of(opcode == Opcodes.INVOKEVIRTUAL, owner, name, desc));
            }
            if (api == null) {
                super.visitMethodInsn(opcode, owner, name, desc, ownerIsInterface);
                return;
            }
            linkedCall(mv, api, register(api));
            rewritten++;
            if (api == DirectMemoryApi.SEGMENT_FREE) {
                segmentFrees++;
            }
        }

        @Override
        public void visitLdcInsn(Object value) {
            super.visitLdcInsn(redirectConstant(value));
        }

        @Override
        public void visitInvokeDynamicInsn(String name, String desc, Handle bootstrap, Object... arguments) {
            super.visitInvokeDynamicInsn(name, desc, bootstrap, redirectAll(arguments));
        }

        /** A handle, or a dynamic constant whose bootstrap arguments (at any depth) hold one. */
        private Object redirectConstant(Object value) {
            if (value instanceof Handle handle) {
                return redirect(handle);
            }
            if (value instanceof ConstantDynamic dynamic) {
                Object[] arguments = new Object[dynamic.getBootstrapMethodArgumentCount()];
                for (int i = 0; i < arguments.length; i++) {
                    arguments[i] = dynamic.getBootstrapMethodArgument(i);
                }
                Object[] redirected = redirectAll(arguments);
                return redirected == arguments ? dynamic : new ConstantDynamic(dynamic.getName(), dynamic.getDescriptor(),
                        dynamic.getBootstrapMethod(), redirected);
            }
            return value;
        }

        /** @return {@code arguments} itself if nothing in it changed */
        private Object[] redirectAll(Object[] arguments) {
            Object[] redirected = arguments;
            for (int i = 0; i < arguments.length; i++) {
                Object changed = redirectConstant(arguments[i]);
                if (changed != arguments[i]) {
                    if (redirected == arguments) {
                        redirected = arguments.clone();
                    }
                    redirected[i] = changed;
                }
            }
            return redirected;
        }

        private Object redirect(Handle handle) {
            boolean virtual = handle.getTag() == Opcodes.H_INVOKEVIRTUAL;
            if (!virtual && handle.getTag() != Opcodes.H_INVOKESTATIC) {
                return handle;
            }
            DirectMemoryApi api = allowed(DirectMemoryApi.of(virtual, handle.getOwner(), handle.getName(), handle.getDesc()));
            if (api == null) {
                return handle;
            }
            if (!canAddMethods()) {
                handlesLeft++;
                return handle;
            }
            int site = register(api);
            Handle synthetic = syntheticHandles.get(site);
            if (synthetic == null) {
                synthetic = new Handle(Opcodes.H_INVOKESTATIC, internalName, SYNTHETIC_PREFIX + site + "$" + api.name(),
                        api.callSiteDescriptor(), isInterface);
                syntheticHandles.put(site, synthetic);
                syntheticOrder.add(site);
            }
            rewritten++;
            return synthetic;
        }
    }
}
