package dev.hakmem.refill;

/**
 * Frees of blocks another heap owns, gathered per owner before they are handed over, so a thread
 * that frees many of another thread's blocks in a row (a consumer of a producer's buffers, Larson's
 * successor) pays one CAS per batch instead of one per block, and touches none of the blocks.
 *
 * <p>The batch is a plain array of addresses. It goes into the owner's {@link RemoteInbox} when the
 * owner changes, when it holds {@link #MAX_BATCH} blocks, and at the freeing cache's own boundaries
 * (refill, flush, trim, retire); if the inbox is full, linked into one chain onto the owner's
 * stack of batches (one CAS, one node on the Java heap); if the owner has retired, block by block to the orphanage. Until then
 * at most {@code MAX_BATCH} freed blocks wait: not lost, only not yet reusable.
 *
 * <p>Private to one thread cache: no synchronisation of its own.
 */
public final class RemoteFreeBuffer {
    static final int MAX_BATCH = 64;

    private final RefillEngine engine;
    private final long[] batch = new long[MAX_BATCH];
    private LocalHeap owner;
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
        }
        batch[count++] = address;
    }

    /** Hands the batch to its owner: its inbox, else its stack of batches as one node; if it has retired, block by block. */
    public void flush() {
        if (count == 0) {
            return;
        }
        LocalHeap target = owner;
        int n = count;
        owner = null;
        count = 0;
        if (!target.offerRemote(batch, n) && !target.pushRemoteChain(batch, n)) {
            for (int i = 0; i < n; i++) {
                engine.freeNotOwned(engine.spanOf(batch[i]), batch[i]);
            }
        }
    }
}
