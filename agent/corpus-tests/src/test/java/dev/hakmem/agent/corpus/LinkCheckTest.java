package dev.hakmem.agent.corpus;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The corpus test's checks have teeth, shown on planted classes: a method the JVM's verifier rejects
 * defines and loads without complaint and fails once {@link World#link} links the class; a stack map
 * frame that ASM's verifier never reads is caught by linking; the differential fails a rewrite that
 * no longer links and skips a class whose original does not link either.
 */
class LinkCheckTest {
    private static final String NAME = "dev.hakmem.agent.corpus.Planted";
    private static final String INTERNAL_NAME = NAME.replace('.', '/');
    private final ClassLoader loader = getClass().getClassLoader();

    @Test
    void shouldFindABrokenMethodWhenTheClassIsLinkedNotWhenItIsLoaded() throws IOException {
        byte[] broken = classReturning(Opcodes.ICONST_0); // an int where a String is due
        try (World world = new World("planted", List.of(), Map.of(NAME, broken))) {
            assertDoesNotThrow(() -> Class.forName(NAME, false, world), "defining and loading do not verify");
            assertInstanceOf(VerifyError.class, world.link(NAME));
        }
        assertFalse(AsmVerification.problems(broken, loader).isEmpty());
    }

    @Test
    void shouldLinkTheSameClassWhenItsMethodIsSound() throws IOException {
        byte[] sound = classReturning(Opcodes.ACONST_NULL);
        try (World world = new World("planted", List.of(), Map.of(NAME, sound))) {
            assertNull(world.link(NAME));
        }
        assertEquals("", AsmVerification.problems(sound, loader));
    }

    @Test
    void shouldCatchByLinkingAStackMapFrameThatAsmsVerifierDoesNotRead() throws IOException {
        byte[] wrongFrame = classWithBranch("java/lang/Object"); // the frame calls the int parameter an Object
        assertEquals("", AsmVerification.problems(wrongFrame, loader), "ASM's analyser computes frames, it does not check them");
        try (World world = new World("planted", List.of(), Map.of(NAME, wrongFrame))) {
            assertInstanceOf(VerifyError.class, world.link(NAME));
        }
    }

    @Test
    void shouldFailARewriteThatDoesNotLinkWhereItsOriginalDoes() throws IOException {
        byte[] original = classWithBranch(Opcodes.INTEGER);
        byte[] rewritten = classWithBranch("java/lang/Object");
        try (World originals = new World("originals", List.of(), Map.of(NAME, original));
             World withAgent = new World("with-agent", List.of(), Map.of(NAME, rewritten))) {
            Differential.Verdict verdict = Differential.check(NAME, original, rewritten, originals, withAgent);
            assertEquals(Differential.Outcome.FAILED, verdict.outcome());
            assertTrue(verdict.detail().contains("VerifyError"), verdict.detail());
        }
    }

    @Test
    void shouldSkipARewriteWhoseOriginalDoesNotLinkEither() throws IOException {
        byte[] original = classExtending("dev/hakmem/agent/corpus/Missing");
        byte[] rewritten = classExtending("dev/hakmem/agent/corpus/Missing");
        try (World originals = new World("originals", List.of(), Map.of(NAME, original));
             World withAgent = new World("with-agent", List.of(), Map.of(NAME, rewritten))) {
            Differential.Verdict verdict = Differential.check(NAME, original, rewritten, originals, withAgent);
            assertEquals(Differential.Outcome.SKIPPED, verdict.outcome());
            assertTrue(verdict.detail().contains("NoClassDefFoundError"), verdict.detail());
        }
    }

    /** {@code public class Planted { static String value() { <push>; areturn } }} */
    private static byte[] classReturning(int push) {
        ClassWriter writer = header("java/lang/Object");
        MethodVisitor method = writer.visitMethod(Opcodes.ACC_STATIC, "value", "()Ljava/lang/String;", null, null);
        method.visitCode();
        method.visitInsn(push);
        method.visitInsn(Opcodes.ARETURN);
        method.visitMaxs(0, 0);
        method.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    /** {@code static int value(int x) { if (x == 0) {} return 0; }} with the frame at the join naming local 0 {@code local0}. */
    private static byte[] classWithBranch(Object local0) {
        ClassWriter writer = header("java/lang/Object");
        MethodVisitor method = writer.visitMethod(Opcodes.ACC_STATIC, "value", "(I)I", null, null);
        method.visitCode();
        Label join = new Label();
        method.visitVarInsn(Opcodes.ILOAD, 0);
        method.visitJumpInsn(Opcodes.IFEQ, join);
        method.visitLabel(join);
        method.visitFrame(Opcodes.F_FULL, 1, new Object[] {local0}, 0, new Object[0]);
        method.visitInsn(Opcodes.ICONST_0);
        method.visitInsn(Opcodes.IRETURN);
        method.visitMaxs(0, 0);
        method.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    private static byte[] classExtending(String superName) {
        ClassWriter writer = header(superName);
        writer.visitEnd();
        return writer.toByteArray();
    }

    private static ClassWriter header(String superName) {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        writer.visit(Opcodes.V21, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, INTERNAL_NAME, null, superName, null);
        return writer;
    }
}
