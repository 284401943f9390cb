package dev.hakmem.benchmarks.agent;

import dev.hakmem.Hakmem;
import dev.hakmem.HakmemAllocator;

import java.nio.ByteBuffer;

/**
 * Not a JMH benchmark: how much longer a full GC takes when hakmem holds direct memory, read from the
 * GC log. Each round allocates {@code count} blocks of {@code size} bytes and then calls
 * {@code System.gc()}:
 * <ul>
 *   <li>{@code direct}: {@code ByteBuffer.allocateDirect}, each round's buffers kept until the next
 *       round replaces them (so every full GC sees {@code count} live buffers and {@code count} dead
 *       ones whose cleaners it must process). Run it with the agent serving, with the agent loaded but
 *       this class excluded ({@code =exclude=dev.hakmem.benchmarks.agent.GcPauseProbe}: the agent and
 *       hakmem still start, for one buffer of a nested class), and without the agent.</li>
 *   <li>{@code hakmem}: the raw API, every block held (with a site), no buffers at all: what hakmem's
 *       own objects (spans and their arrays) add to a full GC. Compare with {@code count} 1.</li>
 * </ul>
 * <pre>
 * java -Xms1g -Xmx1g -XX:MaxDirectMemorySize=1g [-javaagent:agent/target/hakmem-agent.jar[=exclude=...]] \
 *     -Xlog:gc*=debug:file=/tmp/gc.log -cp benchmarks/target/benchmarks.jar \
 *     dev.hakmem.benchmarks.agent.GcPauseProbe direct 32768 8192 30
 * grep -E "GC\([1-9][0-9]\) (Phase [0-9]: [A-Za-z ]+ [0-9.]+ms|Pause Full.*ms)" /tmp/gc.log \
 *     | sed -E 's/.*GC\([0-9]+\) //; s/Pause Full.* ([0-9.]+ms)/Pause Full \1/' \
 *     | awk '{v=$NF; sub("ms","",v); $NF=""; s[$0]+=v; n[$0]++} END {for (k in s) printf "%-45s %6.2f\n", k, s[k]/n[k]}' | sort
 * </pre>
 * (GCs 10 and later: the first rounds include start-up.)
 */
public final class GcPauseProbe {
    private GcPauseProbe() {
    }

    /**
     * Not matched by {@code exclude=dev.hakmem.benchmarks.agent.GcPauseProbe} (a nested class has a
     * name of its own), so with that exclusion the agent still rewrites this one call site: the
     * agent and the allocator start in full, and only the probe's buffers come from the JDK.
     * Without it, an excluded run would measure a JVM where the agent never got past its premain.
     */
    private static final class Warmer {
        static ByteBuffer oneBuffer() {
            return ByteBuffer.allocateDirect(64);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 4 || !(args[0].equals("direct") || args[0].equals("hakmem"))) {
            throw new IllegalArgumentException("usage: GcPauseProbe direct|hakmem COUNT SIZE ROUNDS");
        }
        int count = Integer.parseInt(args[1]);
        int size = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        if (args[0].equals("direct")) {
            System.out.println("one buffer of " + Warmer.oneBuffer().capacity() + " B from a class the exclusion misses");
            ByteBuffer[] held = new ByteBuffer[count];
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < count; i++) {
                    held[i] = ByteBuffer.allocateDirect(size);
                }
                System.gc();
                Thread.sleep(50); // lets the Reference Handler release the previous round's buffers
            }
            System.out.println("held " + held.length + " buffers");
        } else {
            HakmemAllocator hakmem = Hakmem.allocator();
            long[] held = new long[count];
            for (int i = 0; i < count; i++) {
                held[i] = hakmem.allocate(size, 1);
            }
            for (int round = 0; round < rounds; round++) {
                System.gc();
            }
            for (long address : held) {
                hakmem.free(address);
            }
            System.out.println("held " + held.length + " blocks");
        }
    }
}
