/**
 * Measures what one cache line costs to move from one CPU to the other: two threads hand a volatile
 * counter back and forth, each waiting for the other's write before it writes; half a round trip is
 * one one-way transfer of the line. Prints one figure (ns) per half second:
 *
 * <pre>
 *   java benchmarks/scripts/LinePingPong.java 10        # 10 half-second samples
 * </pre>
 *
 * Why it exists: on the development VM (2 vCPUs) this figure is not a constant of the machine. It sat
 * near 35 ns in most runs, near 15 ns in a few and near 165-180 ns in others, and it changed between
 * runs a few seconds apart and within a run (the hypervisor places the two vCPUs; nothing in the guest
 * chooses). Every benchmark whose cost is cross-thread traffic (Larson, ProducerConsumer) follows it:
 * single forks of the same build came out 60 or 160-200 ns in ProducerConsumer, for every allocator
 * (benchmarks/reports/2026-12-04-xthread-floor.md). Run it before comparing such rows, and read their
 * forks, not only their medians.
 */
public class LinePingPong {
    private static volatile long turn;

    public static void main(String[] args) throws InterruptedException {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Thread other = new Thread(LinePingPong::answer, "ping-pong-other");
        other.setDaemon(true);
        other.start();
        long mine = 0;
        StringBuilder line = new StringBuilder();
        for (int s = 0; s < samples; s++) {
            long start = System.nanoTime();
            long trips = 0;
            while (System.nanoTime() - start < 500_000_000L) {
                for (int i = 0; i < 1000; i++) {
                    turn = mine + 1; // the other thread's turn: it waits for this odd value
                    mine += 2;
                    while (turn != mine) {
                        Thread.onSpinWait();
                    }
                }
                trips += 1000;
            }
            line.append(String.format("%.1f ", (System.nanoTime() - start) / (double) trips / 2));
        }
        System.out.println("one-way cache-line transfer, ns per sample: " + line.toString().trim());
        turn = -1; // stops the other thread
    }

    private static void answer() {
        long expected = 1;
        while (true) {
            long seen;
            while ((seen = turn) != expected) {
                if (seen < 0) {
                    return;
                }
                Thread.onSpinWait();
            }
            turn = expected + 1;
            expected += 2;
        }
    }
}
