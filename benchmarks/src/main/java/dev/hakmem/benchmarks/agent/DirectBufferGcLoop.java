package dev.hakmem.benchmarks.agent;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Not a JMH benchmark: a plain loop of {@code ByteBuffer.allocateDirect(size)} left to the GC, for
 * looking at what the JMH benchmark {@link DirectBufferGcRelease} cannot show, such as the length of
 * the full GCs the limit forces. Prints ns per buffer and minor page faults per buffer for two rounds
 * of {@code seconds} each. Run it with and without the agent, with a GC log:
 * <pre>
 * java -Xms1g -Xmx1g -XX:MaxDirectMemorySize=256m [-javaagent:agent/target/hakmem-agent.jar[=mode=observe]] \
 *     -Xlog:gc:file=/tmp/gc.log -cp benchmarks/target/benchmarks.jar dev.hakmem.benchmarks.agent.DirectBufferGcLoop 8192 3
 * grep -o 'Pause Full (System.gc()) [0-9M>()-]* [0-9.]*ms' /tmp/gc.log | awk '{n++; s+=$NF} END {print n, s/n}'
 * </pre>
 */
public final class DirectBufferGcLoop {
    private DirectBufferGcLoop() {
    }

    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(args[0]);
        long nanosPerRound = Long.parseLong(args[1]) * 1_000_000_000L;
        ByteBuffer last = null;
        for (int round = 0; round < 2; round++) {
            long faultsBefore = minorFaults();
            long start = System.nanoTime();
            long buffers = 0;
            while (System.nanoTime() - start < nanosPerRound) {
                for (int i = 0; i < 1000; i++) {
                    last = ByteBuffer.allocateDirect(size);
                }
                buffers += 1000;
            }
            long elapsed = System.nanoTime() - start;
            System.out.printf("round %d: %.1f ns per buffer, %.3f minor faults per buffer%n", round,
                    (double) elapsed / buffers, (double) (minorFaults() - faultsBefore) / buffers);
        }
        System.out.println("last capacity " + last.capacity());
    }

    /** Field 10 of /proc/self/stat. */
    private static long minorFaults() throws Exception {
        return Long.parseLong(Files.readString(Path.of("/proc/self/stat")).split(" ")[9]);
    }
}
