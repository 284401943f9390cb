package dev.hakmem.agent.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** hakmem's totals, each period. */
@Name("hakmem.Totals")
@Label("Direct Memory Totals")
@Category("hakmem")
@Period("10 s")
@StackTrace(false)
final class TotalsEvent extends jdk.jfr.Event {
    @Label("Mode")
    String mode;

    @Label("Memory Route")
    String memoryRoute;

    @Label("Sites")
    long sites;

    @Label("Allocations")
    long allocations;

    @Label("Frees")
    long frees;

    @Label("Bytes Allocated")
    @DataAmount
    long bytesAllocated;

    @Label("Live Bytes")
    @DataAmount
    long liveBytes;

    @Label("Live Blocks")
    long liveBlocks;

    @Label("Direct Reserved")
    @DataAmount
    long directReservedBytes;

    @Label("Direct Limit")
    @DataAmount
    long directLimitBytes;

    @Label("Invalid Frees")
    long invalidFrees;

    @Label("Forced GCs")
    long forcedGcs;
}
