package dev.hakmem.agent.corpus;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.util.Map;
import java.util.TreeMap;

/**
 * What one class file holds of the API the agent rewrites, found with plain ASM and without the
 * transformer: the specification the transformer is held to. A <em>call</em> is an
 * {@code invokestatic ByteBuffer.allocateDirect(int)} (or {@code MappedByteBuffer}, which javac writes
 * for {@code MappedByteBuffer.allocateDirect}) or an {@code invokevirtual sun.misc.Unsafe.allocateMemory /
 * reallocateMemory / freeMemory / invokeCleaner} or {@code jdk.internal.misc.Unsafe.allocateMemory /
 * reallocateMemory / freeMemory} (the corpus is library code, where the agent rewrites the internal
 * {@code Unsafe}'s too: Agrona's {@code UnsafeApi}); a <em>handle</em> is a method-handle constant naming
 * one of them, in an {@code ldc}, among an {@code invokedynamic}'s bootstrap arguments (a method
 * reference such as {@code ByteBuffer::allocateDirect}) or in a dynamic constant's, at any depth.
 *
 * @param major       the class file's major version
 * @param isInterface whether the class is an interface
 * @param shapes      count of each shape found, keyed like {@code "call Unsafe.freeMemory"} or
 *                    {@code "handle in indy ByteBuffer.allocateDirect"}
 */
record CallSiteCensus(String className, int major, boolean isInterface, int calls, int handles, Map<String, Integer> shapes) {

    static CallSiteCensus of(byte[] classFile) {
        Counter counter = new Counter();
        new ClassReader(classFile).accept(counter, ClassReader.SKIP_FRAMES | ClassReader.SKIP_DEBUG);
        return new CallSiteCensus(counter.name, counter.major, counter.isInterface, counter.calls, counter.handles,
                Map.copyOf(counter.shapes));
    }

    boolean hasAny() {
        return calls + handles > 0;
    }

    /** Java 7's class format, the first with {@code invokedynamic}. */
    boolean predatesInvokedynamic() {
        return major < Opcodes.V1_7;
    }

    /**
     * Whether the transformer can point a handle of this class at a method of its own: a class loaded
     * for the first time can get new methods, an interface only from Java 9's format on (private
     * interface methods).
     */
    boolean mayGetMethods() {
        return !isInterface || major >= Opcodes.V9;
    }

    /** @return the API's label for a call or handle target, or null if the agent does not rewrite it */
    static String api(boolean virtual, String owner, String name, String descriptor) {
        if (!virtual && name.equals("allocateDirect") && descriptor.equals("(I)Ljava/nio/ByteBuffer;")
                && (owner.equals("java/nio/ByteBuffer") || owner.equals("java/nio/MappedByteBuffer"))) {
            return "ByteBuffer.allocateDirect";
        }
        if (virtual && owner.equals("jdk/internal/misc/Unsafe")) {
            return switch (name + descriptor) {
                case "allocateMemory(J)J", "reallocateMemory(JJ)J", "freeMemory(J)V" -> "jdk.internal.misc.Unsafe." + name;
                default -> null;
            };
        }
        if (!virtual || !owner.equals("sun/misc/Unsafe")) {
            return null;
        }
        return switch (name + descriptor) {
            case "allocateMemory(J)J", "reallocateMemory(JJ)J", "freeMemory(J)V", "invokeCleaner(Ljava/nio/ByteBuffer;)V" ->
                    "Unsafe." + name;
            default -> null;
        };
    }

    private static final class Counter extends ClassVisitor {
        private final Map<String, Integer> shapes = new TreeMap<>();
        private String name;
        private int major;
        private boolean isInterface;
        private int calls;
        private int handles;

        Counter() {
            super(Opcodes.ASM9);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
            this.name = name;
            this.major = version & 0xFFFF;
            this.isInterface = (access & Opcodes.ACC_INTERFACE) != 0;
        }

        @Override
        public MethodVisitor visitMethod(int access, String method, String descriptor, String signature, String[] exceptions) {
            return new MethodVisitor(Opcodes.ASM9) {
                @Override
                public void visitMethodInsn(int opcode, String owner, String name, String desc, boolean ownerIsInterface) {
                    String api = opcode == Opcodes.INVOKESTATIC || opcode == Opcodes.INVOKEVIRTUAL
                            ? api(opcode == Opcodes.INVOKEVIRTUAL, owner, name, desc) : null;
                    if (api != null) {
                        calls++;
                        shapes.merge((isInterface ? "call in interface " : "call ") + api, 1, Integer::sum);
                    }
                }

                @Override
                public void visitLdcInsn(Object value) {
                    constant(value, "ldc");
                }

                @Override
                public void visitInvokeDynamicInsn(String name, String desc, Handle bootstrap, Object... arguments) {
                    for (Object argument : arguments) {
                        constant(argument, "indy");
                    }
                }
            };
        }

        private void constant(Object value, String where) {
            if (value instanceof Handle handle) {
                boolean virtual = handle.getTag() == Opcodes.H_INVOKEVIRTUAL;
                String api = virtual || handle.getTag() == Opcodes.H_INVOKESTATIC
                        ? api(virtual, handle.getOwner(), handle.getName(), handle.getDesc()) : null;
                if (api != null) {
                    handles++;
                    shapes.merge("handle in " + where + (isInterface ? " of interface " : " ") + api, 1, Integer::sum);
                }
            } else if (value instanceof ConstantDynamic dynamic) {
                for (int i = 0; i < dynamic.getBootstrapMethodArgumentCount(); i++) {
                    constant(dynamic.getBootstrapMethodArgument(i), "condy");
                }
            }
        }
    }
}
