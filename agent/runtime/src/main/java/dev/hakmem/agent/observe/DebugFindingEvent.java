package dev.hakmem.agent.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * What debug mode ({@code debug=true}) found: a write after free or past a block's end, once per kind
 * and allocating site. Emitted by the thread that collects the findings, so it has no stack.
 */
@Name("hakmem.DebugFinding")
@Label("Debug Mode Finding")
@Description("A write after free or past the end of a block, found by hakmem's debug mode")
@Category("hakmem")
@StackTrace(false)
final class DebugFindingEvent extends jdk.jfr.Event {
    @Label("Kind")
    @Description("USE_AFTER_FREE or OVERFLOW")
    String kind;

    @Label("Address")
    @MemoryAddress
    long address;

    @Label("Size")
    @DataAmount
    @Description("Bytes the block was allocated with")
    long size;

    @Label("Offset")
    @Description("Of the first wrong byte, from the block's start")
    long offset;

    @Label("Allocation Site")
    String allocationSite;

    @Label("Free Site")
    String freeSite;

    @Label("Blocks")
    @Description("Blocks found so far with this kind and allocating site")
    long occurrences;
}
