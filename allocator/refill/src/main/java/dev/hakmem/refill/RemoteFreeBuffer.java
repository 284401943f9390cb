package dev.hakmem.refill;

/**
 * Frees of blocks another heap owns, gathered per owner before they are handed over, so a thread
 * that frees many of another thread's blocks in a row (a consumer of a producer's buffers, Larson's
 * successor) pays one CAS per batch instead of one per block.
 *
 * <p>The batch is linked through the blocks' first 8 bytes, like the owner's queue it is spliced
 * onto: {@code head -> ... -> tail}, then one CAS makes {@code tail.next} the old queue head and the
 * queue head {@code head}. It is handed over when the owner changes, when it holds
 * {@link #MAX_BATCH} blocks, and at the freeing cache's own boundaries (refill, flush, retire).
 * Until then at most {@code MAX_BATCH} freed blocks wait: not lost, only not yet reusable.
 *
 * <p>Private to one thread cache: no synchronisation of its own.
 */
public final class RemoteFreeBuffer {
    static final int MAX_BATCH = 64;

    private final RefillEngine engine;
    private LocalHeap owner;
    private long head;
    private long tail;
    private Span tailSpan;
    private int count;

    public RemoteFreeBuffer(RefillEngine engine) {
        this.engine = engine;
    }

    /**
     * Frees a block that is not the caller's: huge blocks and orphans at once, others batched.
     * The caller has already marked the block free with {@link Span#release}.
     */
    public void add(Span span, long address) {
        if (span.sizeClass == SizeClasses.HUGE) {
            engine.freeNotOwned(span, address);
            return;
        }
        LocalHeap target = span.acquireOwner();
        if (target == null || target == engine.orphanage) {
            engine.freeNotOwned(span, address);
            return;
        }
        if (target != owner || count == MAX_BATCH) {
            flush();
            owner = target;
            tail = address;
            tailSpan = span;
            head = 0;
        }
        span.writeLink(address, head);
        head = address;
        count++;
    }

    /** Hands the batch to its owner; if the owner has retired meanwhile, block by block to the orphanage. */
    public void flush() {
        if (count == 0) {
            return;
        }
        LocalHeap target = owner;
        long first = head;
        owner = null;
        head = 0;
        count = 0;
        if (!target.pushRemoteBatch(first, tail, tailSpan)) {
            for (long block = first; block != 0; ) {
                Span span = engine.spanOf(block);
                long next = span.readLink(block);
                engine.freeNotOwned(span, block);
                block = next;
            }
        }
        tailSpan = null;
    }

    public int pending() {
        return count;
    }
}
