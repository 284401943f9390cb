package dev.hakmem.agent.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A {@code System.gc()} the direct-memory limit forced, as {@code java.nio.Bits} forces one; the stack is the allocation's. */
@Name("hakmem.ForcedGc")
@Label("Direct Memory Forced GC")
@Description("The direct-memory limit was reached: System.gc() is called to release unreachable buffers")
@Category("hakmem")
final class ForcedGcEvent extends jdk.jfr.Event {
    @Label("Reserved")
    @DataAmount
    long reservedBytes;

    @Label("Limit")
    @DataAmount
    long limitBytes;
}
