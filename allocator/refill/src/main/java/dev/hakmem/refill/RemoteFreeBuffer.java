package dev.hakmem.refill;

/**
 * Frees of blocks other heaps own, gathered per owner before they are handed over, so a thread that
 * frees another thread's blocks (a consumer of a producer's buffers, Larson's successor) pays one CAS
 * per batch instead of one per block, and touches none of the blocks.
 *
 * <p>Up to {@link #BUCKETS} owners are gathered at once, each in its own bucket (snmalloc's batching
 * of remote frees per destination), chosen by the owner's {@link LocalHeap#remoteBucket} number:
 * <pre>
 * bucket b:  owners[b] = heap H (H.remoteBucket &amp; (BUCKETS - 1) == b)   batches[b] = [ a a a ... ]  counts[b]
 * </pre>
 * One bucket was not enough: where the blocks of two or three owners are freed interleaved (Larson's
 * arrays after they have passed between workers and the successor, a consumer of several producers),
 * the owner changed at almost every free and each change handed over a batch of one or two, one CAS and
 * one contended line of the owner's inbox each. A bucket goes into its owner's {@link RemoteInbox} when
 * another owner takes it, when it holds {@link #MAX_BATCH} blocks, and at the freeing cache's own
 * boundaries (refill, flush, trim, retire); if the inbox is full, as one node onto the owner's stack of
 * batches (one CAS, one node on the Java heap); if the owner has retired, to the orphanage under one
 * hold of its lock, or to the heap that has adopted their spans since. Until then at most {@code BUCKETS * MAX_BATCH} freed blocks wait: not lost, only not yet
 * reusable by their owners.
 *
 * <p>Private to one thread cache: no synchronisation of its own.
 */
public final class RemoteFreeBuffer {
    static final int MAX_BATCH = 64;
    /** Owners gathered at once: a power of two; more than the threads that usually feed one consumer. */
    static final int BUCKETS = 8;

    private final RefillEngine engine;
    private final LocalHeap[] owners = new LocalHeap[BUCKETS];
    /** Made on first use, so a cache that frees no other thread's blocks keeps none. */
    private final long[][] batches = new long[BUCKETS][];
    private final int[] counts = new int[BUCKETS];
    /** Bit b set while bucket b holds blocks, so a flush of nothing (every refill's) is one compare. */
    private int filled;

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
        int b = target.remoteBucket & (BUCKETS - 1);
        int n = counts[b];
        if (owners[b] != target || n == MAX_BATCH) {
            flush(b);
            owners[b] = target;
            n = 0;
        }
        long[] batch = batches[b];
        if (batch == null) {
            batch = new long[MAX_BATCH];
            batches[b] = batch;
        }
        batch[n] = address;
        counts[b] = n + 1;
        filled |= 1 << b;
    }

    /** Hands every bucket to its owner: its inbox, else its stack of batches as one node; if it has retired, see {@link RefillEngine#freeNotOwned(long[], int)}. */
    public void flush() {
        for (int pending = filled; pending != 0; pending &= pending - 1) {
            flush(Integer.numberOfTrailingZeros(pending));
        }
    }

    private void flush(int b) {
        int n = counts[b];
        LocalHeap target = owners[b];
        owners[b] = null;
        if (n == 0) {
            return;
        }
        counts[b] = 0;
        filled &= ~(1 << b);
        long[] batch = batches[b];
        if (!target.offerRemote(batch, n) && !target.pushRemoteChain(batch, n)) {
            engine.freeNotOwned(batch, n); // the owner has retired
        }
    }
}
