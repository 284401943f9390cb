package dev.hakmem.agent.transform;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;

/**
 * The JDK classes whose {@code jdk.internal.misc.Unsafe} allocations hakmem serves with {@code jdk=true}:
 * those that free every block they allocate themselves, so that rewriting the one class rewrites both
 * sides of every allocate/free pair at once (a class is replaced whole, and a frame of its old code only
 * ever holds a block allocated before the switch).
 *
 * <p>Why only these: on JDK 25 the internal {@code allocateMemory} is called from some 20 classes of
 * {@code java.base} and {@code java.desktop} besides, several of which allocate in one class and free
 * in another ({@code DirectByteBuffer} and its {@code Deallocator}, {@code sun.nio.fs.NativeBuffer}) or
 * are {@code sun.misc.Unsafe} itself; a block of hakmem's given to the JDK's {@code free()} ends the
 * process. A class here is also checked for the shape it was chosen for, so that a JDK whose class
 * changed keeps its memory.
 */
final class SelfFreeingJdkClasses {
    private static final Logger LOG = LoggerFactory.getLogger(SelfFreeingJdkClasses.class);
    private static final String INTERNAL_UNSAFE = "jdk/internal/misc/Unsafe";
    /** In the order of {@link #calls}'s counts. */
    private static final List<String> MEMORY_METHODS = List.of("allocateMemory", "freeMemory", "reallocateMemory");

    /**
     * {@code sun.nio.ch.Util}: NIO's temporary direct buffers, which a channel takes for every read or
     * write of a heap buffer (a Kafka client's direct memory). JDK 25 allocates them in
     * {@code getTemporaryDirectBuffer} and frees them only in its private {@code free(ByteBuffer)} (from
     * the thread's buffer cache, or when the thread ends); the buffers it wraps them in have no cleaner.
     */
    private static final Set<String> NAMES = Set.of("sun/nio/ch/Util");

    private SelfFreeingJdkClasses() {
    }

    /** @return true if {@code internalName} is one of these and its class file still has the shape checked for */
    static boolean accepts(String internalName, byte[] classFile) {
        if (!NAMES.contains(internalName)) {
            return false;
        }
        int[] calls = calls(classFile);
        // allocations and frees both here, no reallocation, no handle that could carry either out of the class
        boolean expected = calls[0] > 0 && calls[1] > 0 && calls[2] == 0 && calls[3] == 0;
        if (!expected) {
            LOG.warn("hakmem: {} does not look as on JDK 25 (internal Unsafe allocations {}, frees {}, reallocations {},"
                    + " method handles {}); its memory stays with the JDK", internalName.replace('/', '.'), calls[0], calls[1],
                    calls[2], calls[3]);
        }
        return expected;
    }

    /** @return the class's internal-Unsafe {allocateMemory, freeMemory, reallocateMemory} calls and handle constants to them */
    private static int[] calls(byte[] classFile) {
        int[] counts = new int[4];
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        int kind = owner.equals(INTERNAL_UNSAFE) ? MEMORY_METHODS.indexOf(method) : -1;
                        if (kind >= 0) {
                            counts[kind]++;
                        }
                    }

                    @Override
                    public void visitLdcInsn(Object value) {
                        if (value instanceof Handle h && h.getOwner().equals(INTERNAL_UNSAFE) && MEMORY_METHODS.contains(h.getName())) {
                            counts[3]++;
                        }
                    }
                };
            }
        }, ClassReader.SKIP_DEBUG);
        return counts;
    }
}
