package dev.hakmem.agent.corpus;

import dev.hakmem.agent.site.SiteRegistry;
import dev.hakmem.agent.transform.CallSiteTransformer;
import dev.hakmem.agent.transform.ClassFilter;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The census the corpus test relies on, and the corpus test's checks on the shapes the corpus lacks. */
class CallSiteCensusTest {
    private static final String NAME = Shapes.class.getName();

    @Test
    void shouldCountEveryCallAndMethodReferenceOfTheRewrittenApi() throws IOException {
        CallSiteCensus census = CallSiteCensus.of(classFile(Shapes.class));
        assertEquals(6, census.calls(), census.shapes().toString());
        assertEquals(1, census.handles(), census.shapes().toString());
        assertEquals(Map.of("call ByteBuffer.allocateDirect", 2, "call Unsafe.allocateMemory", 1,
                "call Unsafe.reallocateMemory", 1, "call Unsafe.freeMemory", 1, "call Unsafe.invokeCleaner", 1,
                "handle in indy ByteBuffer.allocateDirect", 1), census.shapes());
        assertFalse(CallSiteCensus.of(classFile(CallSiteCensusTest.class)).hasAny());
    }

    @Test
    void shouldRewriteEveryShapeIntoAClassThatVerifiesAndLinks() throws IOException {
        SiteRegistry registry = new SiteRegistry();
        CallSiteTransformer transformer = new CallSiteTransformer(registry, new ClassFilter(List.of(), List.of(), false, null), () -> { });
        byte[] original = classFile(Shapes.class);
        byte[] rewritten = transformer.transform(null, getClass().getClassLoader(), NAME.replace('.', '/'), null, null, original);

        assertNotNull(rewritten);
        CallSiteCensus after = CallSiteCensus.of(rewritten);
        assertEquals(0, after.calls() + after.handles(), after.shapes().toString());
        assertEquals(7, registry.size(), "six calls and a method reference");
        try (World originals = new World("originals", List.of(), Map.of(NAME, original));
             World withAgent = new World("with-agent", List.of(), Map.of(NAME, rewritten))) {
            Differential.Verdict verdict = Differential.check(NAME, original, rewritten, originals, withAgent);
            assertEquals(Differential.Outcome.LINKED, verdict.outcome(), verdict.detail());
        }
        assertNull(transformer.transform(null, getClass().getClassLoader(), "dev/hakmem/agent/corpus/CallSiteCensusTest",
                null, null, classFile(CallSiteCensusTest.class)), "a class without call sites comes back as null");
    }

    static byte[] classFile(Class<?> type) throws IOException {
        try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }
}
