package dev.hakmem.agent.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Timestamp;

/** One of the call sites holding the most live bytes, emitted each period for the top {@link Observability#TOP_SITES}. */
@Name("hakmem.SiteSnapshot")
@Label("Direct Memory Site")
@Description("A call site among those holding the most live direct memory, as hakmem's report shows it")
@Category("hakmem")
@Period("10 s")
@StackTrace(false)
final class SiteSnapshotEvent extends jdk.jfr.Event {
    @Label("Rank")
    @Description("1 for the site holding the most live bytes")
    int rank;

    @Label("Class")
    @Description("Binary name of the class holding the call")
    String className;

    @Label("Method")
    String method;

    @Label("Line")
    @Description("-1 if the class has no line numbers")
    int line;

    @Label("API")
    @Description("The JDK method called there, e.g. ByteBuffer.allocateDirect")
    String api;

    @Label("Location")
    @Description("As a stack trace names it: class.method(File.java:line)")
    String location;

    @Label("Live Bytes")
    @DataAmount
    long liveBytes;

    @Label("Live Blocks")
    long liveBlocks;

    @Label("Allocations")
    long allocations;

    @Label("Frees")
    long frees;

    @Label("Bytes Allocated")
    @DataAmount
    long bytesAllocated;

    @Label("Peak Live Bytes")
    @DataAmount
    long peakLiveBytes;

    @Label("Peak At")
    @Timestamp(Timestamp.MILLISECONDS_SINCE_EPOCH)
    long peakAt;

    @Label("Behaviour")
    @Description("What its live bytes did: IDLE, POOL, GROWING or STEADY")
    String behaviour;
}
