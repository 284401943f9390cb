package dev.hakmem.agent.corpus;

import dev.hakmem.agent.site.SiteRegistry;
import dev.hakmem.agent.transform.CallSiteTransformer;
import dev.hakmem.agent.transform.ClassFilter;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guarantee 4 of the agent: every class still loads and verifies. Every class of real libraries that
 * manage direct memory (the corpus, see pom.xml) goes through {@link CallSiteTransformer#transform}
 * as the JVM would hand it over, then:
 * <ul>
 *   <li>a class that has no call site (by {@link CallSiteCensus}, plain ASM) comes back unchanged:
 *       null or the same bytes; the bytes handed in are never modified;</li>
 *   <li>a class that has one comes back rewritten, with no call of the rewritten API left (handles
 *       only where the class cannot get methods), except class files older than Java 7's format,
 *       which the agent may leave to the JDK;</li>
 *   <li>every rewritten class passes ASM's {@code CheckClassAdapter.verify} and then loads and links
 *       in the JVM (HotSpot's verifier) among the other rewritten classes, wherever its original
 *       links among the originals: a class whose original does not link (an optional dependency
 *       missing) is counted as skipped, not as a failure.</li>
 * </ul>
 * How the transformer rewrites a call (its instruction, bootstrap or bridge) is none of this test's
 * business: it holds the output to the JVM's rules and to the census only.
 */
class CorpusTransformTest {
    private static final int SHOWN = 12;

    @Test
    void shouldRewriteEveryCallSiteOfTheCorpusIntoClassesThatVerifyAndLink() throws IOException {
        long start = System.nanoTime();
        Corpus corpus = Corpus.fromBuild();
        SiteRegistry registry = new SiteRegistry();
        AtomicInteger firstRewrites = new AtomicInteger();
        // jdk=true: JNA's com.sun.jna and jsr305's javax.annotation are library classes here, not the JDK's
        CallSiteTransformer transformer = new CallSiteTransformer(registry,
                new ClassFilter(List.of(), List.of(), true, null), firstRewrites::incrementAndGet);

        Tally tally = new Tally();
        List<Rewrite> rewrites = new ArrayList<>();
        Map<String, byte[]> replaced = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        try (World originals = new World("corpus", corpus.jars(), Map.of())) {
            for (Path jar : corpus.jars()) {
                JarTally jarTally = tally.jar(jar);
                int sitesBefore = registry.size();
                Corpus.forEachClass(jar, entry -> {
                    // a class also in a jar earlier on the class path: the JVM never loads this copy from here
                    boolean shadowed = !names.add(entry.entryName());
                    if (shadowed) {
                        tally.shadowed++;
                    }
                    Rewrite rewrite = transform(transformer, originals, entry, shadowed, tally, jarTally);
                    if (rewrite != null) {
                        rewrites.add(rewrite);
                        keep(rewrite);
                        if (!shadowed) {
                            replaced.put(rewrite.binaryName(), rewrite.rewritten());
                        }
                    }
                });
                jarTally.sites = registry.size() - sitesBefore;
            }
            long transformed = System.nanoTime();

            try (World withAgent = new World("corpus-with-agent", corpus.jars(), replaced)) {
                for (Rewrite rewrite : rewrites) {
                    if (!rewrite.shadowed()) {
                        check(rewrite, originals, withAgent, tally);
                    }
                }
            }
            linkShadowed(corpus, rewrites, replaced, tally);
            tally.transformNanos = transformed - start;
            tally.checkNanos = System.nanoTime() - transformed;
        }

        tally.scanned = transformer.scannedClasses();
        tally.sites = registry.size();
        tally.print(corpus);

        assertEquals(List.of(), tally.failures, "classes that broke");
        assertEquals(0, transformer.failedClasses(), "classes the transformer could not rewrite");
        assertEquals(tally.classes, transformer.scannedClasses(), "the filter lets every corpus class through to the scan");
        assertEquals(tally.rewritten, transformer.transformedClasses());
        assertTrue(tally.rewritten > 0 && tally.sites >= tally.rewritten, "the corpus has call sites to rewrite");
        assertEquals(1, firstRewrites.get(), "the allocator is started once, at the first rewrite");
        assertEquals(tally.rewritten, tally.linked + tally.skipped, "every rewritten class is linked or skipped");
    }

    /** Writes a rewritten class under {@code hakmem.corpus.rewritten}, if set, to read with {@code javap -c -v}. */
    private static void keep(Rewrite rewrite) throws IOException {
        String directory = System.getProperty("hakmem.corpus.rewritten");
        if (directory != null && !directory.isBlank()) {
            Path file = Path.of(directory, rewrite.entry().jar().getFileName().toString(), rewrite.entry().entryName());
            Files.createDirectories(file.getParent());
            Files.write(file, rewrite.rewritten());
        }
    }

    /** @return the rewrite to check, or null if the class came back unchanged */
    private static Rewrite transform(CallSiteTransformer transformer, World loader, Corpus.ClassEntry entry,
                                     boolean shadowed, Tally tally, JarTally jarTally) {
        tally.classes++;
        jarTally.classes++;
        if (entry.versioned()) {
            tally.versioned++;
        }
        byte[] original = entry.bytes();
        CallSiteCensus census = CallSiteCensus.of(original);
        tally.majors.merge(census.major(), 1, Integer::sum);
        byte[] handedOver = original.clone();
        long failedBefore = transformer.failedClasses();
        byte[] result = transformer.transform(null, loader, census.className(), null, null, handedOver);
        if (transformer.failedClasses() != failedBefore) {
            tally.fail(entry, "made the transformer fail (it loads unchanged, with a warning)");
        }
        if (!Arrays.equals(original, handedOver)) {
            tally.fail(entry, "had the bytes handed to the transformer modified");
        }
        if (census.hasAny()) {
            tally.shapes(census);
        }
        if (result == null || Arrays.equals(result, original)) {
            if (census.calls() > 0 && census.predatesInvokedynamic()) {
                tally.leftTooOld.merge(census.major(), 1, Integer::sum);
            } else if (census.calls() > 0) {
                tally.fail(entry, "came back unchanged with " + census.calls() + " call(s): " + census.shapes());
            } else if (census.handles() > 0 && census.mayGetMethods() && !census.predatesInvokedynamic()) {
                tally.fail(entry, "came back unchanged with " + census.handles() + " handle(s): " + census.shapes());
            }
            return null;
        }
        if (!census.hasAny()) {
            tally.fail(entry, "was changed though it has no call site");
        }
        tally.rewritten++;
        jarTally.rewritten++;
        tally.rewrittenMajors.merge(census.major(), 1, Integer::sum);
        return new Rewrite(entry, census, shadowed, result);
    }

    /**
     * A rewritten class that an earlier jar shadows (Kryo 4, through Spark, and Kryo 5, through Flink,
     * share class names) is checked in worlds whose class path starts with its own jar.
     */
    private static void linkShadowed(Corpus corpus, List<Rewrite> rewrites, Map<String, byte[]> replaced, Tally tally)
            throws IOException {
        Map<Path, List<Rewrite>> byJar = new LinkedHashMap<>();
        rewrites.stream().filter(Rewrite::shadowed).forEach(r -> byJar.computeIfAbsent(r.entry().jar(), j -> new ArrayList<>()).add(r));
        for (Map.Entry<Path, List<Rewrite>> jar : byJar.entrySet()) {
            List<Path> jarFirst = new ArrayList<>(corpus.jars());
            jarFirst.remove(jar.getKey());
            jarFirst.addFirst(jar.getKey());
            Map<String, byte[]> ownFirst = new LinkedHashMap<>(replaced);
            rewrites.stream().filter(r -> r.entry().jar().equals(jar.getKey()))
                    .forEach(r -> ownFirst.put(r.binaryName(), r.rewritten()));
            try (World originals = new World("corpus-" + jar.getKey().getFileName(), jarFirst, Map.of());
                 World withAgent = new World("corpus-with-agent-" + jar.getKey().getFileName(), jarFirst, ownFirst)) {
                for (Rewrite rewrite : jar.getValue()) {
                    tally.shadowedRewritten++;
                    check(rewrite, originals, withAgent, tally);
                }
            }
        }
    }

    private static void check(Rewrite rewrite, World originals, World withAgent, Tally tally) {
        Corpus.ClassEntry entry = rewrite.entry();
        CallSiteCensus after = CallSiteCensus.of(rewrite.rewritten());
        if (after.calls() > 0) {
            tally.fail(entry, "still has " + after.calls() + " call(s) after the rewrite: " + after.shapes());
        }
        int handlesThatMayStay = rewrite.census().mayGetMethods() ? 0 : rewrite.census().handles();
        if (after.handles() > handlesThatMayStay) {
            tally.fail(entry, "still has " + after.handles() + " handle(s) after the rewrite: " + after.shapes());
        }

        Differential.Verdict verdict = Differential.check(rewrite.binaryName(), entry.bytes(), rewrite.rewritten(),
                originals, withAgent);
        if (verdict.asmInconclusive()) {
            tally.asmInconclusive++;
        }
        switch (verdict.outcome()) {
            case LINKED -> tally.linked++;
            case SKIPPED -> {
                tally.skipped++;
                tally.skippedReasons.put(rewrite.binaryName(), verdict.detail());
            }
            case FAILED -> tally.fail(entry, verdict.detail());
        }
    }

    /** @param shadowed the class is also in a jar earlier on the class path */
    private record Rewrite(Corpus.ClassEntry entry, CallSiteCensus census, boolean shadowed, byte[] rewritten) {
        String binaryName() {
            return census.className().replace('/', '.');
        }
    }

    private static final class JarTally {
        int classes;
        int rewritten;
        int sites;
    }

    /** What the run saw, printed at the end (the last line is the one the README quotes). */
    private static final class Tally {
        final Map<Path, JarTally> jars = new LinkedHashMap<>();
        final List<String> failures = new ArrayList<>();
        final Map<String, Integer> shapes = new TreeMap<>();
        final Map<Integer, Integer> majors = new TreeMap<>();
        final Map<Integer, Integer> rewrittenMajors = new TreeMap<>();
        final Map<Integer, Integer> leftTooOld = new TreeMap<>();
        final Map<String, String> skippedReasons = new TreeMap<>();
        int classes;
        int versioned;
        int rewritten;
        int linked;
        int skipped;
        int asmInconclusive;
        int shadowed;
        int shadowedRewritten;
        long scanned;
        int sites;
        long transformNanos;
        long checkNanos;

        JarTally jar(Path jar) {
            return jars.computeIfAbsent(jar, j -> new JarTally());
        }

        void fail(Corpus.ClassEntry entry, String what) {
            failures.add(entry.jar().getFileName() + "!" + entry.entryName() + " " + what);
        }

        void shapes(CallSiteCensus census) {
            census.shapes().forEach((shape, n) -> shapes.merge(shape, n, Integer::sum));
            if (census.predatesInvokedynamic()) {
                shapes.merge("class files older than Java 7 with call sites", 1, Integer::sum);
            }
        }

        void print(Corpus corpus) {
            StringBuilder out = new StringBuilder("corpus: ").append(corpus.jars().size())
                    .append(" jars; those with call sites:\n");
            jars.forEach((jar, t) -> {
                if (t.rewritten > 0 || t.sites > 0) {
                    out.append(String.format("  %-52s %6d classes %4d rewritten %5d sites%n",
                            jar.getFileName(), t.classes, t.rewritten, t.sites));
                }
            });
            long quiet = jars.values().stream().filter(t -> t.rewritten == 0 && t.sites == 0).count();
            out.append(String.format("  %d other jars, %d classes, no call site%n", quiet,
                    jars.values().stream().filter(t -> t.rewritten == 0 && t.sites == 0).mapToInt(t -> t.classes).sum()));
            out.append("shapes of call sites:\n");
            shapes.forEach((shape, n) -> out.append(String.format("  %6d  %s%n", n, shape)));
            out.append("class-file major versions of all classes: ").append(majors).append('\n');
            out.append("class-file major versions of the rewritten classes: ").append(rewrittenMajors).append('\n');
            out.append("left to the JDK, older than Java 7 (by major): ").append(leftTooOld).append('\n');
            out.append("multi-release variants taken for this JDK: ").append(versioned).append('\n');
            out.append("ASM could not verify the original either: ").append(asmInconclusive).append('\n');
            out.append("shadowed by a class of the same name earlier on the class path: ").append(shadowed)
                    .append(" (").append(shadowedRewritten).append(" rewritten, linked with their own jar first)\n");
            out.append("skipped, the original does not link:").append(skippedReasons.isEmpty() ? " none\n" : "\n");
            skippedReasons.entrySet().stream().limit(SHOWN)
                    .forEach(e -> out.append("  ").append(e.getKey()).append(": ").append(e.getValue()).append('\n'));
            if (skippedReasons.size() > SHOWN) {
                out.append("  ... ").append(skippedReasons.size() - SHOWN).append(" more\n");
            }
            failures.stream().limit(SHOWN).forEach(f -> out.append("FAILURE ").append(f).append('\n'));
            out.append(String.format("transform %.1f s, verify and link %.1f s%n", transformNanos / 1e9, checkNanos / 1e9));
            out.append(String.format("corpus: %d jars, %d classes scanned, %d rewritten, %d sites, %d verified+linked, "
                            + "%d skipped (original does not link), %d failures%n",
                    jars.size(), scanned, rewritten, sites, linked, skipped, failures.size()));
            System.out.print(out);
        }
    }
}
