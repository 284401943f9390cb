package dev.hakmem.samples.ffm;

import dev.hakmem.samples.common.Args;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A two-stage pipeline on FFM memory: the producer builds each batch of records in a segment of a
 * confined arena ({@code Arena.ofConfined()}, closed when the batch is built), transforms it into a
 * segment of a shared arena ({@code Arena.ofShared()}) and hands that to the consumer thread, which
 * checks and sums it and closes the shared arena. At most four batches are in flight; the program
 * stops after {@code --seconds} or {@code --batches}. Not a server: no port.
 *
 * <p>None of this calls {@code allocateDirect} or {@code Unsafe}: it is the kind of program an agent
 * that rewrites only those calls does not see.
 */
public final class FfmPipeline {
    static final String USAGE = """
            usage: java -jar ffm-pipeline.jar [--size BYTES] [--seconds N] [--batches N]
              --size BYTES   bytes per batch, k/m allowed (default 64k)
              --seconds N    stop after N seconds (default 10)
              --batches N    stop after N batches (default 1000000)
            (not a server: no port)""";
    private static final MemorySegment END = MemorySegment.NULL;

    private FfmPipeline() {
    }

    /** A batch on its way to the consumer, with the arena that owns it. */
    private record Batch(Arena arena, MemorySegment records, long expectedSum) {
    }

    public static void main(String[] args) throws Exception {
        Args a = Args.parse(args, Set.of(), Set.of("size", "seconds", "batches"), USAGE);
        int size = (int) a.number("size", 64 << 10, 64, 64 << 20) & ~7;
        int seconds = a.integer("seconds", 10, 1, 86_400);
        long batches = a.number("batches", 1_000_000, 1, Long.MAX_VALUE);
        System.out.printf("ffm-pipeline: batches of %,d bytes, up to %d s or %,d batches%n", size, seconds, batches);

        BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(4);
        AtomicReference<String> failure = new AtomicReference<>();
        long[] consumed = new long[2];
        Thread consumer = Thread.ofPlatform().name("consumer").start(() -> {
            try {
                for (Batch batch = queue.take(); batch.records() != END; batch = queue.take()) {
                    long sum = 0;
                    for (long i = 0; i < batch.records().byteSize(); i += 8) {
                        sum += batch.records().get(ValueLayout.JAVA_LONG, i);
                    }
                    if (sum != batch.expectedSum()) {
                        failure.compareAndSet(null, "batch " + consumed[0] + ": sum " + sum + ", expected " + batch.expectedSum());
                    }
                    batch.arena().close();
                    consumed[0]++;
                    consumed[1] += batch.records().byteSize();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
        long produced = 0;
        while (produced < batches && System.nanoTime() < deadline) {
            long expected = 0;
            Arena shared = Arena.ofShared();
            MemorySegment out = shared.allocate(size, 8); // site:shared
            try (Arena confined = Arena.ofConfined()) {
                MemorySegment raw = confined.allocate(size, 8); // site:confined
                for (long i = 0; i < size; i += 8) {
                    raw.set(ValueLayout.JAVA_LONG, i, produced * 31 + i);
                }
                for (long i = 0; i < size; i += 8) {
                    long value = raw.get(ValueLayout.JAVA_LONG, i) * 3 + 1;
                    out.set(ValueLayout.JAVA_LONG, i, value);
                    expected += value;
                }
            }
            queue.put(new Batch(shared, out, expected));
            produced++;
        }
        queue.put(new Batch(null, END, 0));
        consumer.join();
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("ffm-pipeline: %,d batches (%,d MiB) through confined and shared arenas in %.1f s (%,.0f batches/s)%s%n",
                consumed[0], consumed[1] >> 20, elapsed, consumed[0] / elapsed,
                failure.get() == null ? ", every sum checked" : "; FAILED: " + failure.get());
        if (failure.get() != null || consumed[0] != produced) {
            System.exit(1);
        }
    }
}
