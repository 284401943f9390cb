package dev.hakmem.benchmarks;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded single-producer, single-consumer ring of batches of block addresses for
 * {@link ProducerConsumer}, as xmalloc-test hands blocks over: the producer fills a batch of
 * {@link #BATCH} addresses in place and publishes it with one release store of its count; the consumer
 * takes it with one acquire load and gives the batch back with a release store of 0. Producer and consumer
 * share no index: each keeps its own position.
 * <pre>
 * cells: [ count | pad ... | a0 a1 ... a63 ] [ count | pad ... | a0 ... ] ...   count 0 = the producer's to fill
 * </pre>
 * Written here rather than taken from JCTools or Agrona: neither is a dependency of this module, and their
 * queues hold objects, so each address (or batch) would be an allocation on the Java heap. Handing over
 * single addresses instead (one slot per block) made the two threads run in lockstep once both rings were
 * full, one cache-line round trip between the cores per block, and forks came out at ~60 or ~270 ns per
 * operation even with no allocator ({@code allocator=harness}).
 */
final class BatchRing {
    static final int BATCH = 64;
    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int HEADER = 8; // the count alone on its 64-byte line
    private static final int CELL = HEADER + BATCH;

    private final long[] cells;
    private final int mask;

    /** @param batches a power of two: batches in flight at most */
    BatchRing(int batches) {
        if (Integer.bitCount(batches) != 1) {
            throw new IllegalArgumentException("batches must be a power of two, was " + batches);
        }
        this.cells = new long[batches * CELL];
        this.mask = batches - 1;
    }

    /** Producer: the index of batch {@code position}'s first address if it is free to fill, else -1. */
    int claim(int position) {
        int cell = (position & mask) * CELL;
        return (long) CELLS.getAcquire(cells, cell) == 0 ? cell + HEADER : -1;
    }

    /** Producer: publishes the batch {@link #claim} returned, holding {@code count} addresses. */
    void publish(int position, int count) {
        CELLS.setRelease(cells, (position & mask) * CELL, (long) count);
    }

    /** Consumer: the index of batch {@code position}'s first address if it is published, else -1. */
    int receive(int position) {
        int cell = (position & mask) * CELL;
        return (long) CELLS.getAcquire(cells, cell) != 0 ? cell + HEADER : -1;
    }

    /** Consumer: hands batch {@code position} back to the producer. */
    void giveBack(int position) {
        CELLS.setRelease(cells, (position & mask) * CELL, 0L);
    }

    long address(int index) {
        return cells[index];
    }

    void put(int index, long address) {
        cells[index] = address;
    }

    /** With both sides stopped: every address still in the ring, published or being filled (nonzero), each once; the ring left empty. */
    void drain(java.util.function.LongConsumer sink) {
        for (int cell = 0; cell < cells.length; cell += CELL) {
            for (int i = cell + HEADER; i < cell + CELL; i++) {
                if (cells[i] != 0) {
                    sink.accept(cells[i]);
                    cells[i] = 0;
                }
            }
            cells[cell] = 0;
        }
    }
}
