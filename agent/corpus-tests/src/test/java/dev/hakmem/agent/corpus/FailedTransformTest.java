package dev.hakmem.agent.corpus;

import dev.hakmem.agent.site.SiteRegistry;
import dev.hakmem.agent.transform.CallSiteTransformer;
import dev.hakmem.agent.transform.ClassFilter;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "A class that fails to transform loads unchanged (one warning, counted)": the failure is provoked
 * from outside, with class bytes that pass the constant-pool scan and that no class-file parser can
 * read, since the transformer has no seam for a planted fault.
 */
class FailedTransformTest {
    private static final String NAME = "dev/hakmem/agent/corpus/DirectCaller";

    private final SiteRegistry registry = new SiteRegistry();
    private final CallSiteTransformer transformer = new CallSiteTransformer(registry,
            new ClassFilter(List.of(), List.of(), false, null), () -> { });
    private final ClassLoader loader = getClass().getClassLoader();

    @Test
    void shouldLoadAClassThatFailsToTransformUnchangedWithOneWarningAndRewriteTheNextOne() throws IOException {
        byte[] intact = classFile();
        // cut right after the constant pool: the scan finds the names of a call site, the parser runs out of bytes
        byte[] truncated = Arrays.copyOf(intact, new ClassReader(intact).header);
        assertTrue(CallSiteTransformer.mayCallDirectMemory(truncated), "the truncated class passes the constant-pool scan");

        String stderr = stderrOf(() -> assertNull(transformer.transform(null, loader, NAME, null, null, truncated),
                "null: the JVM loads the class as it is"));

        assertEquals(1, transformer.failedClasses());
        assertEquals(1, stderr.lines().filter(line -> line.contains(" WARN ")).count(), "one warning:\n" + stderr);
        assertTrue(stderr.contains(NAME), "the warning names the class:\n" + stderr);
        assertEquals(0, transformer.transformedClasses());

        byte[] next = transformer.transform(null, loader, NAME, null, null, intact);
        assertNotNull(next, "the transformer goes on with the next class");
        assertEquals(1, transformer.failedClasses());
        assertEquals(1, transformer.transformedClasses());
        assertEquals(1, registry.size(), "the call site of the intact class, nothing of the failed one");
        assertEquals("", AsmVerification.problems(next, loader));
        try (World world = new World("one-class", List.of(), Map.of(NAME.replace('/', '.'), next))) {
            assertNull(world.link(NAME.replace('/', '.')), "the rewritten class links");
        }
    }

    private static byte[] classFile() throws IOException {
        try (InputStream in = DirectCaller.class.getResourceAsStream("DirectCaller.class")) {
            return in.readAllBytes();
        }
    }

    /** What {@code action} printed to stderr (slf4j-simple looks System.err up at each message). */
    private static String stderrOf(Runnable action) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(saved);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        saved.print(text);
        return text;
    }
}
