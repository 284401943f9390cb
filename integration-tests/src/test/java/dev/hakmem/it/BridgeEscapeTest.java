package dev.hakmem.it;

import dev.hakmem.it.apps.BridgeEscapeApp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The program's "foreign" memory comes from {@code Arena.global()}, which only the JDK serves with
 * {@code ffm=false}: hakmem serves FFM segments by default, and then owns it.
 *
 * <p>Guarantee 3 of README ("the bridge is no escape hatch"): only call sites the agent rewrote reach
 * hakmem; what hakmem does not own goes to the caller's own {@code sun.misc.Unsafe}, which fails or
 * warns as it would without the agent; a class calling the bridge directly gets nothing.
 */
class BridgeEscapeTest {
    private static final String DENY = "--sun-misc-unsafe-memory-access=deny";
    /** Arenas stay the JDK's, so that their memory is memory hakmem does not own. */
    private static final String FOREIGN = "ffm=false";

    @Test
    void shouldRefuseUnderDenyWhatTheJdkRefusesAndNothingMore() {
        ChildJvm.Result run = ChildJvm.of(BridgeEscapeApp.class).agent(FOREIGN).jvm(DENY).run().assertOk();

        assertEquals("ok", run.value("ownCycle"), "hakmem's own blocks, through rewritten sites");
        assertEquals("UnsupportedOperationException", run.value("foreignRealloc"), "as the JDK's reallocateMemory under deny");
        assertEquals("UnsupportedOperationException", run.value("foreignFree"), "as the JDK's freeMemory under deny");
        assertEquals("UnsupportedOperationException", run.value("jdkCleaner"), "as the JDK's invokeCleaner under deny");
        assertEquals("200 of 200", run.value("linkRefused"), "a class the agent did not rewrite links no site");
        assertEquals("none", run.value("bridgeMethods"), "the bridge's methods are out of reach");
    }

    @Test
    void shouldLetTheJdkWarnAndServeForeignMemoryUnderItsDefault() {
        ChildJvm.Result run = ChildJvm.of(BridgeEscapeApp.class).agent(FOREIGN).run().assertOk();

        assertEquals("done", run.value("foreignRealloc"));
        assertEquals("done", run.value("foreignFree"));
        assertEquals("done", run.value("jdkCleaner"));
        assertTrue(run.stderr().contains("WARNING: A terminally deprecated method in sun.misc.Unsafe has been called"),
                "the JDK's own JEP 498 warning, for the program's own use of Unsafe on memory hakmem does not own:\n" + run.describe());
        assertEquals("200 of 200", run.value("linkRefused"));
    }

    @Test
    void shouldRefuseTheSameWithoutTheAgent() {
        ChildJvm.Result run = ChildJvm.of(BridgeEscapeApp.class).withoutAgent().jvm(DENY).run();
        assertTrue(run.exit() != 0 && run.stderr().contains("UnsupportedOperationException"),
                "without the agent, deny stops the program's first allocateMemory:\n" + run.describe());
    }
}
