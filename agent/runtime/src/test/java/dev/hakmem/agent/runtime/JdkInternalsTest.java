package dev.hakmem.agent.runtime;

import dev.hakmem.agent.runtime.JdkInternals.Allowed;
import dev.hakmem.agent.runtime.JdkInternals.NeededBy;
import dev.hakmem.agent.runtime.JdkInternals.Requirement;
import dev.hakmem.agent.runtime.JdkInternals.Verdict;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Guarantee 2 of README: the JDK internals the bridge relies on are probed, and a missing one means observe mode or nothing. */
class JdkInternalsTest {
    private static final Requirement MISSING_FOR_BOTH = new Requirement(NeededBy.BOTH_MODES, "java.nio.DirectByteBuffer", "<init>",
            null, "long", "java.lang.String");
    private static final Requirement MISSING_FOR_REPLACE = new Requirement(NeededBy.REPLACE_MODE, "jdk.internal.misc.VM",
            "maxDirectMemory", "int"); // there, but returning long: a changed signature counts as missing

    private static List<Requirement> bridgePlus(Requirement... extra) {
        List<Requirement> all = new ArrayList<>(JdkInternals.BRIDGE);
        all.addAll(List.of(extra));
        return all;
    }

    @Test
    void shouldFindEveryInternalTheBridgeNeedsOnThisJdk() {
        Verdict verdict = JdkInternals.check(JdkInternals.BRIDGE);
        assertEquals(List.of(), verdict.missing(), "JDK " + System.getProperty("java.version"));
        assertEquals(Allowed.REPLACE, verdict.allowed());
        assertNull(verdict.line(true), "nothing to say when everything is there");
    }

    @Test
    void shouldDoNothingAndNameTheMemberWhenWhatBothModesNeedIsMissing() {
        Verdict verdict = JdkInternals.check(bridgePlus(MISSING_FOR_REPLACE, MISSING_FOR_BOTH));
        assertEquals(Allowed.NOTHING, verdict.allowed());
        String line = verdict.line(true);
        assertTrue(line.startsWith("hakmem: this JDK " + System.getProperty("java.version") + " lacks constructor java.nio.DirectByteBuffer(long, java.lang.String)"),
                "the member that decided comes first: " + line);
        assertTrue(line.contains("(and 1 more internal(s))") && line.endsWith("the agent does nothing and the application runs without it"), line);
        assertEquals(1, line.lines().count(), "one line");
        assertTrue(verdict.line(false) != null, "said in observe mode too");
    }

    @Test
    void shouldFallBackToObserveModeWhenOnlyWhatReplaceModeNeedsIsMissing() {
        Verdict verdict = JdkInternals.check(bridgePlus(MISSING_FOR_REPLACE));
        assertEquals(Allowed.OBSERVE, verdict.allowed());
        assertEquals("hakmem: this JDK " + System.getProperty("java.version") + " lacks jdk.internal.misc.VM.maxDirectMemory() returning int,"
                + " which hakmem relies on; hakmem runs in mode=observe (the JDK allocates, hakmem attributes)", verdict.line(true));
        assertNull(verdict.line(false), "observe mode was asked for: it runs as asked, nothing to say");
    }

    @Test
    void shouldCountAMissingClassOrMethodAsMissing() {
        assertEquals(Allowed.NOTHING, JdkInternals.check(List.of(
                new Requirement(NeededBy.BOTH_MODES, "jdk.internal.ref.NoSuchCleaner", "clean", "void"))).allowed());
        assertEquals(Allowed.NOTHING, JdkInternals.check(List.of(
                new Requirement(NeededBy.BOTH_MODES, "jdk.internal.misc.Unsafe", "allocateMemory", "long", "int"))).allowed());
    }
}
