package dev.hakmem.refill;

import dev.hakmem.refill.spi.EventKind;
import dev.hakmem.refill.spi.Policy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The refill engine's side of one thread cache: the spans that cache owns, and the queue on which
 * other threads hand back blocks of those spans. All methods but {@link #pushRemote} are called only
 * by the owner (or, after its thread died, by the single thread that retires it, or by a thread that
 * holds the owner's cache while its owner is idle: the cache's cold-path hold keeps the owner out), so
 * they take no lock and no atomic, except the limit's one CAS per batch.
 *
 * <p><b>Remote frees.</b> Batches arrive in the {@link RemoteInbox}, a ring of addresses; what it has
 * no room for goes onto a Treiber stack of batches, nodes on the Java heap:
 * <pre>
 * remoteHead ──> RemoteBatch{blocks[], next} ──> RemoteBatch{blocks[], next} ──> null
 * </pre>
 * Neither touches the blocks' memory: no metadata of hakmem's lives off-heap, so a program that
 * writes into a block it has freed cannot corrupt the allocator (it corrupts only its own data).
 * Producers CAS a node onto the head; the owner takes the whole stack with one getAndSet at its
 * refill boundary, so there is no ABA (a head that comes back is a genuine head). Retiring swaps in
 * {@link #CLOSED}, after which producers go to the orphanage instead.
 *
 * <p><b>Refill order</b> (the C original's): drain remote frees first; only if that brings back
 * nothing of the wanted class, take from spans with free blocks; only then carve a new span.
 */
public final class LocalHeap {
    /** The head of a retired heap's stack: producers that find it go to the orphanage. */
    private static final RemoteBatch CLOSED = new RemoteBatch(new long[0], 0);
    private static final VarHandle REMOTE_HEAD;

    static {
        try {
            REMOTE_HEAD = MethodHandles.lookup().findVarHandle(LocalHeap.class, "remoteHead", RemoteBatch.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final RefillEngine engine;
    /** Per class, the head of a list of owned spans that have free blocks. */
    private final Span[] partial = new Span[SizeClasses.COUNT];
    /**
     * Per lane and class, the same for spans carved for long-lived sites ({@link #refillLongLived}): kept apart,
     * so short-lived churn empties whole spans (which go back) while long-lived blocks fill spans of
     * their own instead of pinning the churn's (LLAMA's lifetime classes, TCMalloc's long-lived spans).
     */
    private final Span[][] partialLongLived = new Span[LONG_LIVED_LANES][SizeClasses.COUNT];
    /**
     * Long-lived sites are spread over this many lanes, each with its own spans (a site's lane is its
     * rank among the policy's long-lived sites, modulo this): blocks of one site tend to die together,
     * so a long-lived site whose blocks all go at once (a peak's) empties its spans instead of
     * finding them pinned by another long-lived site's blocks (a retained set's). More lanes cost
     * more partly filled spans per thread; four covers a few distinct long-lived sites per class.
     */
    public static final int LONG_LIVED_LANES = 4;
    /** Sampled blocks whose lifetime this heap's owner follows; made when lifetimes are first watched. */
    private LifetimeWatch lifetimeWatch;
    /** The policy whose long-lived sites the owner's cache last asked about ({@link #longLivedSitesChanged}). */
    private Policy sitesSeen;
    /**
     * Per class, the most blocks this heap's next carve takes, 0 before the first ({@link #FIRST_CARVE}):
     * each carve doubles it, up to the policy's batch. A thread that needs a few blocks of a class (a main
     * thread filling a table, a worker's first round) takes a few, not a whole batch that would sit in
     * its cache and pin a span per class; a thread that keeps needing them reaches the full batch after
     * a handful of refills (TCMalloc grows a per-CPU cache's capacity on its misses in the same spirit).
     */
    private final int[] carveLimit = new int[SizeClasses.COUNT];
    public static final int FIRST_CARVE = 8;
    /** Per class, at most one span kept although empty, so churn at a span boundary does not map and unmap. */
    private final Span[] spare = new Span[SizeClasses.COUNT];
    /** Every span this heap owns, so retirement can find full ones. */
    private final ArrayList<Span> owned = new ArrayList<>();
    private final ArrayTarget arrayTarget = new ArrayTarget();
    /** Batches of frees from other threads (see {@link RemoteFreeBuffer}); the Treiber stack takes single frees and overflow. */
    private final RemoteInbox inbox = new RemoteInbox(INBOX_CAPACITY);
    private final InboxDrain inboxDrain = new InboxDrain();
    private static final int INBOX_CAPACITY = 1024;
    @SuppressWarnings("unused") // through REMOTE_HEAD
    private volatile RemoteBatch remoteHead;
    private boolean retired;

    /**
     * Bytes this heap has taken from the engine's limit and not yet handed out: refills spend it and
     * flushes refill it, so the shared counter sees one CAS per {@link #CREDIT_QUANTUM} of traffic
     * instead of one per batch. The limit is exact to within that slack per heap.
     */
    private long credit;
    private static final long CREDIT_QUANTUM = 256 * 1024;
    private Thread ownerThread;
    /** The cache in front of this heap (see {@link #bind}); a span of this heap points at its class's stack. */
    private OwnerCache cache;

    private long remoteDrained;
    /**
     * This heap's number, which picks the {@link RemoteFreeBuffer} bucket its blocks are gathered in
     * on other threads: consecutive numbers, so heaps made one after another (a producer and its
     * consumers) take different buckets.
     */
    final int remoteBucket = HEAPS_MADE.getAndIncrement();
    private static final AtomicInteger HEAPS_MADE = new AtomicInteger();

    LocalHeap(RefillEngine engine) {
        this.engine = engine;
    }

    public RefillEngine engine() {
        return engine;
    }

    /**
     * Binds this heap to the cache that sits in front of it, and to the one platform thread that
     * will use it (null for a stripe), so a free on that thread can go straight to its cache. Each
     * span this heap owns then carries its class's stack ({@link OwnerCache#stack}): a free pushes
     * there without finding the cache first. A cache that replaces a stack says so with {@link #stackReplaced}.
     */
    public void bind(Thread owner, OwnerCache cache) {
        this.ownerThread = owner;
        this.cache = cache;
    }

    /** The bound cache's stack of {@code sizeClass}, or null if unbound. */
    long[] cacheStack(int sizeClass) {
        OwnerCache c = cache;
        return c == null ? null : c.stack(sizeClass);
    }

    /** The bound cache now keeps {@code sizeClass} in another array: every owned span of that class follows. */
    public void stackReplaced(int sizeClass) {
        long[] stack = cacheStack(sizeClass);
        OwnerCache c = cache;
        for (Span span : owned) {
            if (span.sizeClass == sizeClass) {
                span.setOwnerStack(!span.longLived ? stack : c == null ? null : c.longLivedStack(span.longLivedLane, sizeClass));
            }
        }
    }

    /** The platform thread bound by {@link #bind}, or null. */
    public Thread ownerThread() {
        return ownerThread;
    }

    /** The cache bound by {@link #bind}, or null. */
    public OwnerCache cache() {
        return cache;
    }

    /** The policy's batch for a class, read now: a new policy applies from the next refill on. */
    public int batchSize(int sizeClass) {
        return engine.policy().refillCount(sizeClass);
    }

    public int cacheCapacity(int sizeClass) {
        return engine.policy().cacheCapacity(sizeClass);
    }

    /**
     * Puts up to {@code max} free blocks of {@code sizeClass} at {@code target[offset..]}, taken from
     * spans in descending slots: a cache stack pops its top first, so the lowest address is handed
     * out first and a thread that allocates a batch walks its memory upwards, as glibc's carving
     * does. Handed out downwards (the order of a plain fill), blocks that miss the CPU caches cost
     * about twice as much to write (measured, not explained: no hardware counters here; the prefetcher
     * following ascending streams would fit):
     * {@code allocateDirect} zeroes every buffer, and {@code DirectBufferGcRelease} in
     * {@code bin/bench agent} measures it (benchmarks/reports/2026-12-04-agent-gc.md).
     *
     * @return how many; 0 only if the limit leaves no room for even one block; fewer than asked
     *         if the OS refused a chunk after some were taken
     * @throws OutOfMemoryError if the OS refuses memory before one block was taken
     */
    public int refill(int sizeClass, int max, long[] target, int offset) {
        ensureLive();
        checkLifetimes();
        int drained = drainRemote(sizeClass, target, offset, max);
        if (drained > 0) {
            return drained;
        }
        return carve(sizeClass, max, target, offset, -1);
    }

    /**
     * As {@link #refill}, for the cache's long-lived stack: blocks from spans carved for long-lived
     * sites only ({@link #partialLongLived}), never remote frees (they may be any span's).
     */
    public int refillLongLived(int lane, int sizeClass, int max, long[] target, int offset) {
        ensureLive();
        if (lane < 0 || lane >= LONG_LIVED_LANES) {
            throw new IllegalArgumentException("hakmem: long-lived lane " + lane + " is outside 0.." + (LONG_LIVED_LANES - 1));
        }
        return carve(sizeClass, max, target, offset, lane);
    }

    /** @param lane a long-lived lane, or -1 for the ordinary spans */
    private int carve(int sizeClass, int max, long[] target, int offset, int lane) {
        Span[] lists = lane >= 0 ? partialLongLived[lane] : partial;
        Policy policy = engine.policy();
        long blockSize = SizeClasses.sizeOf(sizeClass);
        int limit = Math.max(carveLimit[sizeClass], FIRST_CARVE);
        carveLimit[sizeClass] = Math.min(limit << 1, Policy.MAX_BATCH);
        int want = takeCredit(Math.min(Math.min(max, policy.refillCount(sizeClass)), limit), blockSize);
        int taken = 0;
        try {
            while (taken < want) {
                Span span = lists[sizeClass];
                if (span == null) {
                    span = engine.acquireSpan(sizeClass, lane, this);
                    if (lane >= 0) {
                        span.longLived = true;
                        span.longLivedLane = lane;
                        span.setOwnerStack(cache == null ? null : cache.longLivedStack(lane, sizeClass));
                    }
                    span.ownedIndex = owned.size();
                    owned.add(span);
                    link(span);
                }
                if (spare[sizeClass] == span) {
                    spare[sizeClass] = null;
                }
                taken += span.takeFreeDownwards(target, offset + want - taken, want - taken);
                if (span.freeCount == 0) {
                    unlink(span);
                }
            }
        } catch (OutOfMemoryError e) {
            if (taken == 0) {
                throw e; // the OS refused a chunk: nothing was taken, nothing changed
            }
            // a short batch: the blocks already taken are served, the next refill asks the OS again
        } finally {
            if (taken < want) {
                shortBatch(target, offset, want, taken, blockSize);
            }
        }
        engine.publish(EventKind.REFILL, sizeClass, taken);
        return taken;
    }

    /**
     * The OS refused a chunk midway, or nothing was taken: gives back the credit of the blocks not
     * taken and moves those taken, filled downwards from {@code offset + want}, down to {@code offset}.
     * Out of line, so the refill's loop stays small enough for the JIT to inline it whole.
     */
    private void shortBatch(long[] target, int offset, int want, int taken, long blockSize) {
        returnCredit((want - taken) * blockSize);
        moveDown(target, offset + want - taken, offset, taken);
    }

    /** A short batch filled downwards ends above {@code to}: moves it there, each block's state following its slot. */
    private void moveDown(long[] target, int from, int to, int count) {
        for (int i = 0; i < count; i++) {
            long address = target[from + i];
            target[to + i] = address;
            engine.spanOf(address).placedAt(address, Span.slotState(to + i));
        }
        // a stack's slots above its count hold nothing (see Span.isCached)
        Arrays.fill(target, Math.max(from, to + count), from + count, 0L);
    }

    /** @return how many of {@code count} blocks fit under the limit, now spent from this heap's credit */
    private int takeCredit(int count, long blockSize) {
        long need = count * blockSize;
        if (credit < need) {
            credit += engine.reserve(Math.max(need - credit, CREDIT_QUANTUM), blockSize);
            if (credit < need) {
                count = (int) (credit / blockSize);
                need = count * blockSize;
            }
        }
        credit -= need;
        return count;
    }

    private void returnCredit(long bytes) {
        credit += bytes;
        if (credit > 2 * CREDIT_QUANTUM) {
            engine.unreserve(credit - CREDIT_QUANTUM);
            credit = CREDIT_QUANTUM;
        }
    }

    /** Takes back blocks of this heap's spans that are no longer in use or cached. */
    public void flush(int sizeClass, long[] source, int from, int count) {
        for (int i = from; i < from + count; i++) {
            returnOwnBlock(engine.spanOf(source[i]), source[i]);
        }
        engine.publish(EventKind.FLUSH, sizeClass, count);
    }

    private void returnOwnBlock(Span span, long address) {
        if (span == null || !span.putFree(span.blockIndex(address))) {
            throw new IllegalStateException("hakmem: internal error: block 0x" + Long.toHexString(address)
                    + " returned to " + span + " twice or to the wrong heap");
        }
        returnCredit(span.blockSize);
        if (span.freeCount == 1) {
            link(span);
        }
        if (span.isEmpty()) {
            Span kept = spare[span.sizeClass];
            if (span.longLived) {
                // no spare: long-lived blocks come and go rarely, so an empty span of theirs is not churn's
                unlink(span);
                disown(span);
                engine.releaseSpan(span);
            } else if (kept == null) {
                spare[span.sizeClass] = span;
            } else if (kept != span) {
                unlink(span);
                disown(span);
                engine.releaseSpan(span);
            }
        }
    }

    private void disown(Span span) {
        int index = span.ownedIndex;
        Span last = owned.removeLast();
        if (last != span) {
            owned.set(index, last);
            last.ownedIndex = index;
        }
        span.ownedIndex = -1;
    }

    // ---- remote frees ----

    /**
     * Called by any thread but the owner. Lock-free; allocates a node (a cold path: a free whose
     * owner changed under it, see {@link RefillEngine#freeNotOwned}).
     *
     * @return false if this heap has been retired: the caller must look up the span's owner again
     */
    boolean pushRemote(Span span, long address) {
        return push(new RemoteBatch(new long[] {address}, 1));
    }

    /**
     * Pushes {@code batch[0..count)}, blocks of this heap freed by another thread, onto the same
     * stack as {@link #pushRemote} with one CAS, as one node holding a copy of the batch: for a
     * batch the {@linkplain #offerRemote inbox} had no room for (an owner that has not drained for
     * a while). The copy is the one allocation on this path; the blocks' memory is not touched.
     * Any thread but the owner; lock-free.
     *
     * @param count at least 1
     * @return false if this heap has been retired: nothing was pushed, the caller frees block by block
     */
    public boolean pushRemoteChain(long[] batch, int count) {
        return push(new RemoteBatch(Arrays.copyOf(batch, count), count));
    }

    /** @return false if this heap has been retired */
    private boolean push(RemoteBatch node) {
        RemoteBatch head;
        do {
            head = (RemoteBatch) REMOTE_HEAD.getVolatile(this);
            if (head == CLOSED) {
                return false;
            }
            node.next = head;
        } while (!REMOTE_HEAD.compareAndSet(this, head, node));
        return true;
    }

    /** A node of the remote-free stack: blocks freed by one thread in one go. {@code next} is written before the publishing CAS. */
    private static final class RemoteBatch {
        final long[] blocks;
        final int count;
        RemoteBatch next;

        RemoteBatch(long[] blocks, int count) {
            this.blocks = blocks;
            this.count = count;
        }
    }

    /** Blocks other threads freed, not yet drained (racy; for statistics). */
    public boolean hasRemoteFrees() {
        Object head = REMOTE_HEAD.getOpaque(this);
        return head != null && head != CLOSED || inbox.maybeNonEmpty();
    }

    /**
     * Hands over a batch of this heap's blocks freed by another thread. Any thread; lock-free.
     *
     * @return false if the inbox is full or this heap has retired: the caller frees them one by one
     */
    boolean offerRemote(long[] batch, int count) {
        return inbox.offer(batch, count);
    }

    /**
     * Takes every remotely freed block: up to {@code max} of {@code sizeClass} go to
     * {@code target[offset..]}, the rest back to their spans.
     */
    private int drainRemote(int sizeClass, long[] target, int offset, int max) {
        arrayTarget.aim(sizeClass, target, offset, max);
        drainRemote(arrayTarget);
        return arrayTarget.found;
    }

    /** The sink of {@link #drainRemote(int, long[], int, int)}, kept so a drain allocates nothing. */
    private static final class ArrayTarget implements DrainSink {
        private int sizeClass;
        private long[] target;
        private int offset;
        private int max;
        int found;

        void aim(int sizeClass, long[] target, int offset, int max) {
            this.sizeClass = sizeClass;
            this.target = target;
            this.offset = offset;
            this.max = max;
            this.found = 0;
        }

        @Override
        public int accept(int blockClass, long address) {
            if (blockClass != sizeClass || found == max) {
                return -1;
            }
            int slot = offset + found++;
            target[slot] = address;
            return slot;
        }
    }

    /** Returns remotely freed blocks to their spans; for a cache that flushes everything. */
    public void drainRemote() {
        drainRemote(-1, null, 0, 0);
    }

    /**
     * Hands every remotely freed block to {@code sink} (the owner's cache, which keeps them by class
     * and so needs no carving to reuse them); blocks it has no room for go back to their spans.
     *
     * @return the blocks the sink took
     */
    public int drainRemote(DrainSink sink) {
        inboxDrain.aim(sink);
        inbox.drain(inboxDrain);
        int accepted = inboxDrain.accepted;
        int blocks = inboxDrain.blocks;
        RemoteBatch head = (RemoteBatch) REMOTE_HEAD.getOpaque(this);
        if (head != null) {
            head = (RemoteBatch) REMOTE_HEAD.getAndSet(this, (RemoteBatch) null);
        }
        for (; head != null; head = head.next) {
            for (int i = 0; i < head.count; i++) {
                long address = head.blocks[i];
                Span span = engine.spanOf(address);
                int slot = sink.accept(span.sizeClass, address);
                if (slot >= 0) {
                    span.placedAt(address, Span.slotState(slot));
                    accepted++; // stays reserved: it moves from "in use" to "cached"
                } else {
                    returnOwnBlock(span, address);
                }
                blocks++;
            }
        }
        if (blocks > 0) {
            remoteDrained += blocks;
            engine.publish(EventKind.REMOTE_DRAIN, -1, blocks);
        }
        return accepted;
    }

    /** Routes each block of the inbox to the sink, or back to its span; kept so a drain allocates nothing. */
    private final class InboxDrain implements RemoteInbox.DrainTarget {
        private DrainSink sink;
        int accepted;
        int blocks;

        void aim(DrainSink target) {
            sink = target;
            accepted = 0;
            blocks = 0;
        }

        @Override
        public void take(long address) {
            Span span = engine.spanOf(address);
            int slot = sink.accept(span.sizeClass, address);
            if (slot >= 0) {
                span.placedAt(address, Span.slotState(slot));
                accepted++;
            } else {
                returnOwnBlock(span, address);
            }
            blocks++;
        }
    }

    /**
     * Starts every class's carving small again ({@code carveLimit}): for a heap whose owner has been
     * idle for the decay, so a burst after the pause grows its batches again from a few blocks.
     */
    public void restartCarving() {
        Arrays.fill(carveLimit, 0);
    }

    /** Releases the empty spans kept against churn (see {@code spare}). */
    public void releaseSpares() {
        for (int c = 0; c < spare.length; c++) {
            Span span = spare[c];
            if (span != null && span.isEmpty()) {
                spare[c] = null;
                unlink(span);
                disown(span);
                engine.releaseSpan(span);
            }
        }
    }

    /**
     * Gives back the memory of every page of this heap's spans that holds only free blocks
     * ({@link RefillEngine#purgeFreePagesOf}): for a heap whose owner has been idle for the decay.
     * Called by the owner, or by a thread that holds the owner's cache so that the owner cannot
     * reach this heap meanwhile (the thread caches' trim of idle caches).
     *
     * @return the bytes purged
     */
    public long purgeFreePages() {
        if (retired) {
            return 0;
        }
        long bytes = 0;
        for (Span span : owned) {
            bytes += engine.purgeFreePagesOf(span);
        }
        return bytes;
    }

    // ---- retirement ----

    /**
     * Gives everything back after the owning thread has gone and its cache was flushed: empty spans
     * to their chunks, spans with blocks still out to the orphanage. Call once.
     */
    public void retire() {
        ensureLive();
        drainRemote();
        engine.unreserve(credit);
        credit = 0;
        synchronized (engine) {
            retired = true;
            for (Span span : new ArrayList<>(owned)) {
                if (span.isEmpty()) {
                    engine.releaseSpan(span);
                } else {
                    engine.orphan(span);
                }
            }
            owned.clear();
            // after the owners changed: producers that now find the queue closed will find the orphanage
            RemoteBatch head = (RemoteBatch) REMOTE_HEAD.getAndSet(this, CLOSED);
            for (; head != null; head = head.next) {
                for (int i = 0; i < head.count; i++) {
                    engine.returnToOrphanSpan(engine.spanOf(head.blocks[i]), head.blocks[i]);
                }
            }
            inbox.closeAndDrain(address -> engine.returnToOrphanSpan(engine.spanOf(address), address));
        }
        Arrays.fill(partial, null);
        for (Span[] lane : partialLongLived) {
            Arrays.fill(lane, null);
        }
        Arrays.fill(spare, null);
    }

    private void ensureLive() {
        if (retired) {
            throw new IllegalStateException("hakmem: heap used after it was retired");
        }
    }

    // ---- the per-class partial lists ----

    private void link(Span span) {
        Span.link(listOf(span), span);
    }

    private void unlink(Span span) {
        Span.unlink(listOf(span), span);
    }

    private Span[] listOf(Span span) {
        return span.longLived ? partialLongLived[span.longLivedLane] : partial;
    }

    // ---- lifetimes by site ----

    /**
     * Follows the block at {@code address}, just allocated for {@code siteId} and chosen by sampling
     * (a cold path): at later refills it is reported as freed early or live past the horizon
     * ({@link LifetimeWatch}). Owner only.
     */
    public void watchLifetime(long address, int siteId) {
        Span span = engine.spanOf(address);
        if (span == null || siteId <= 0 || siteId >= Span.WATCHED) {
            return;
        }
        LifetimeWatch watch = lifetimeWatch;
        if (watch == null) {
            watch = new LifetimeWatch();
            lifetimeWatch = watch;
        }
        if (watch.add(span, address, siteId, System.nanoTime())) {
            span.recordWatchedAllocation(address, siteId);
        }
    }

    /** At a refill: reports the watched blocks whose lifetime is known by now. */
    private void checkLifetimes() {
        LifetimeWatch watch = lifetimeWatch;
        if (watch != null && watch.size() > 0) {
            watch.check(System.nanoTime(), (kind, sizeClass, site) -> engine.publish(kind, sizeClass, site));
        }
    }

    /**
     * Whether the policy's long-lived sites may have changed since the owner's cache last asked:
     * true at the first call after a new policy was published (contract B: the cache applies it at a refill).
     */
    public boolean longLivedSitesChanged() {
        Policy now = engine.policy();
        if (now == sitesSeen) {
            return false;
        }
        boolean changed = sitesSeen == null ? now.longLivedCount() > 0
                : !Arrays.equals(now.longLivedSites(), sitesSeen.longLivedSites());
        sitesSeen = now;
        return changed;
    }

    /** The long-lived lane of {@code siteId} under the policy in force, or -1 if the policy does not name it long-lived. */
    public int longLivedLane(int siteId) {
        int rank = engine.policy().longLivedRank(siteId);
        return rank < 0 ? -1 : rank % LONG_LIVED_LANES;
    }

    public long remoteDrained() {
        return remoteDrained;
    }
}
