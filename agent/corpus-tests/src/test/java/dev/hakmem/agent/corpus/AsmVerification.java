package dev.hakmem.agent.corpus;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.util.CheckClassAdapter;

import java.io.PrintWriter;
import java.io.StringWriter;

/** ASM's own verifier, independent of the JVM's: structure checks, then a data-flow analysis of every method. */
final class AsmVerification {
    private AsmVerification() {
    }

    /**
     * {@link CheckClassAdapter#verify(ClassReader, ClassLoader, boolean, PrintWriter)}: every method through
     * an {@code Analyzer} with a {@code SimpleVerifier} that loads the types it must compare from
     * {@code loader} (without initialising them).
     *
     * @return what ASM reports, empty if the class verifies
     */
    static String problems(byte[] classFile, ClassLoader loader) {
        StringWriter report = new StringWriter();
        try (PrintWriter out = new PrintWriter(report)) {
            CheckClassAdapter.verify(new ClassReader(classFile), loader, false, out);
        } catch (RuntimeException e) {
            report.append(e.toString());
        }
        return report.toString();
    }
}
