package dev.hakmem.agent.report;

import java.util.List;
import java.util.Map;

/**
 * What share of the process's native memory hakmem saw: the ledger every report carries, so that a
 * user can tell at a glance whether hakmem saw their memory.
 *
 * @param liveBytesByApi    live bytes of the rewritten sites, by API label ({@code ByteBuffer.allocateDirect},
 *                          {@code Unsafe.allocateMemory}, {@code Arena.allocate} ...): served by hakmem in replace
 *                          mode, attributed only in observe mode
 * @param jdkDirectBytes    the JDK's own "direct" buffer pool: direct buffers no rewritten site made
 * @param hakmemMappedBytes address space hakmem mapped (replace mode; 0 in observe mode), which Native Memory
 *                          Tracking does not count
 * @param nmtCommittedBytes the JVM's committed native memory by Native Memory Tracking
 *                          ({@code -XX:NativeMemoryTracking=summary}), or -1 when it is off
 * @param nmtOtherBytes     of that, NMT's "Other" category (where the JDK's own malloc for direct memory and
 *                          unserved {@code Unsafe.allocateMemory} land), or -1
 * @param notSeen           the ways a JDK 25 program gets native memory that hakmem cannot see
 */
public record Coverage(Map<String, Long> liveBytesByApi, long jdkDirectBytes, long hakmemMappedBytes, long nmtCommittedBytes,
                       long nmtOtherBytes, List<String> notSeen) {

    /** What no report can see, on JDK 25. */
    public static final List<String> NOT_SEEN = List.of("malloc through FFM downcall handles (Netty with --enable-native-access)",
            "JNI and native libraries' own malloc", "jdk.internal.misc.Unsafe call sites in JDK classes (but sun.nio.ch.Util's with jdk=true)", "Unsafe and allocateDirect reached by reflection");

    public long liveBytes() {
        return liveBytesByApi.values().stream().mapToLong(Long::longValue).sum();
    }
}
