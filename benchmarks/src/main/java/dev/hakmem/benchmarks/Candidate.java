package dev.hakmem.benchmarks;

import org.openjdk.jmh.infra.Blackhole;

/**
 * One allocator under comparison, as the workloads see it: a single allocate-and-free, and tables of
 * live allocations for the ring workloads. Each fork runs one candidate, so every call site below is
 * monomorphic and the JIT inlines through this class.
 */
public abstract class Candidate {
    private final String name;

    protected Candidate(String name) {
        this.name = name;
    }

    /** The JMH parameter value that selected this candidate. */
    public final String name() {
        return name;
    }

    /** One operation of the single-object workloads: allocate {@code size} bytes, hand the result to {@code bh}, free it. */
    public abstract void allocateAndFree(long size, Blackhole bh);

    /** An empty table of {@code capacity} slots whose allocations are freed as {@code sharing} says. */
    public abstract Slots newSlots(int capacity, Slots.Sharing sharing);

    /**
     * The allocator behind this candidate as a plain address allocator, for workloads that hand single
     * blocks between threads ({@link ProducerConsumer}); candidates whose blocks are objects (an arena, a
     * {@code ByteBuf}) have none.
     *
     * @throws UnsupportedOperationException naming the candidate
     */
    public RawAllocator raw() {
        throw new UnsupportedOperationException("allocator=" + name
                + " hands out objects, not addresses; this workload takes hakmem, unsafe, harness");
    }

    /** A line for the run log: what this candidate really is in this JVM. */
    public String describe() {
        return name;
    }
}
