package dev.hakmem.agent.runtime;

import dev.hakmem.agent.site.CallPathSampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentOptionsTest {

    @Test
    void shouldDefaultToReplacingEverythingButTheJdkUnderTheJvmsLimit() {
        AgentOptions defaults = AgentOptions.parse(null);
        assertEquals(AgentOptions.defaults(), defaults);
        assertEquals(defaults, AgentOptions.parse(""));
        assertTrue(defaults.replace());
        assertFalse(defaults.jdk());
        assertEquals(-1, defaults.limit());
        assertEquals("warn", defaults.log());
    }

    @Test
    void shouldReadEveryOption() {
        AgentOptions o = AgentOptions.parse("mode=observe,include=com.example.*:org.acme.Pool,exclude=com.example.internal.*,"
                + "jdk=true,limit=512m,report=/tmp/hakmem.json,log=DEBUG");
        assertFalse(o.replace());
        assertEquals(List.of("com.example.*", "org.acme.Pool"), o.includes());
        assertEquals(List.of("com.example.internal.*"), o.excludes());
        assertTrue(o.jdk());
        assertEquals(512L << 20, o.limit());
        assertEquals(List.of(Path.of("/tmp/hakmem.json")), o.reports());
        assertTrue(o.summary());
        AgentOptions several = AgentOptions.parse("report=a.json,report=b.html,report=off,snapshot=10s");
        assertEquals(List.of(Path.of("a.json"), Path.of("b.html")), several.reports());
        assertFalse(several.summary(), "report=off silences the summary");
        assertEquals(10_000, several.snapshotMillis());
        assertEquals(250, AgentOptions.parse("snapshot=250ms").snapshotMillis());
        assertEquals(120_000, AgentOptions.parse("snapshot=2m").snapshotMillis());
        assertEquals("debug", o.log());
        assertEquals(3L << 30, AgentOptions.parse("limit=3g").limit());
        assertEquals(64L << 10, AgentOptions.parse("limit=64K").limit());
        assertEquals(1000, AgentOptions.parse("limit=1000").limit());
        assertTrue(AgentOptions.parse("debug=true").debug());
        assertFalse(AgentOptions.parse(null).debug());
    }

    @Test
    void shouldReadHowCallPathsAreSampledAndWhetherSitesAreCounted() {
        AgentOptions defaults = AgentOptions.defaults();
        assertEquals(CallPathSampler.Mode.SAMPLED, defaults.stacks());
        assertEquals(AgentOptions.DEFAULT_STACK_BYTES, defaults.stackBytes());
        assertTrue(defaults.sites());
        assertEquals(CallPathSampler.Mode.OFF, AgentOptions.parse("stacks=off").stacks());
        assertEquals(CallPathSampler.Mode.ALL, AgentOptions.parse("stacks=all").stacks());
        AgentOptions every512k = AgentOptions.parse("stacks=sampled:512k");
        assertEquals(CallPathSampler.Mode.SAMPLED, every512k.stacks());
        assertEquals(512L << 10, every512k.stackBytes());
        assertFalse(AgentOptions.parse("sites=false").sites());
        assertTrue(every512k.toString().contains("stacks=sampled:524288"), every512k.toString());
    }

    @Test
    void shouldRefuseDebugModeInObserveModeSayingWhy() {
        BadAgentOptionException e = assertThrows(BadAgentOptionException.class, () -> AgentOptions.parse("mode=observe,debug=true"));
        assertTrue(e.getMessage().contains("'debug=true'") && e.getMessage().contains("needs mode=replace"), e.getMessage());
    }

    @Test
    void shouldLeaveLearningToTheAllocatorUnlessLearnIsGiven() {
        assertEquals(null, AgentOptions.parse("").learn());
        assertEquals(null, AgentOptions.parse("jdk=true").learn());
        assertEquals(Boolean.TRUE, AgentOptions.parse("learn=true").learn());
        assertEquals(Boolean.FALSE, AgentOptions.parse("learn=false").learn());
        assertTrue(AgentOptions.parse("learn=true").toString().endsWith(",learn=true"));
        assertEquals(Boolean.FALSE, AgentOptions.parse("mode=observe,learn=false").learn());
    }

    @Test
    void shouldRefuseLearningInObserveModeSayingWhy() {
        BadAgentOptionException e = assertThrows(BadAgentOptionException.class, () -> AgentOptions.parse("mode=observe,learn=true"));
        assertTrue(e.getMessage().contains("'learn=true'") && e.getMessage().contains("needs mode=replace"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mode=fast", "nosuch=1", "limit=abc", "limit=-5m", "limit=0", "limit=99999999999g", "jdk=yes",
            "debug=1", "snapshot=10", "snapshot=5ms", "snapshot=xs", "log=loud", "report=", "include=a::b", "mode", "=replace", "mode=replace,,jdk=true", "stacks=some", "stacks=sampled:",
            "stacks=sampled:0", "stacks=sampled:-1m", "sites=no", "learn=maybe", "learn="})
    void shouldRejectAMalformedOptionNamingItAndListingTheValidOnes(String args) {
        BadAgentOptionException e = assertThrows(BadAgentOptionException.class, () -> AgentOptions.parse(args));
        assertTrue(e.getMessage().startsWith("hakmem agent: bad option '"), e.getMessage());
        assertTrue(e.getMessage().contains("Valid options: mode=replace|observe"), e.getMessage());
        String first = args.split(",")[0];
        assertTrue(e.getMessage().contains(first.isEmpty() ? "''" : first) || args.contains(",,"), e.getMessage());
    }
}
