package dev.hakmem.agent.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A direct buffer refused at the limit: the {@code OutOfMemoryError} the application gets; the stack is the allocation's. */
@Name("hakmem.DirectLimitFailure")
@Label("Direct Memory Limit Failure")
@Description("A direct buffer could not be reserved under the direct-memory limit, even after a GC")
@Category("hakmem")
final class DirectLimitFailureEvent extends jdk.jfr.Event {
    @Label("Requested")
    @DataAmount
    long requestedBytes;

    @Label("Site")
    @Description("The call site that asked")
    String site;

    @Label("Limit")
    @DataAmount
    long limitBytes;

    @Label("Reserved")
    @DataAmount
    @Description("Direct-buffer capacity counted against the limit then")
    long reservedBytes;

    @Label("Top Sites")
    @Description("The sites holding the most live bytes then")
    String topSites;
}
