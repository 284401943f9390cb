package dev.hakmem.concurrency.refill;

import dev.hakmem.refill.spi.EventRing;
import dev.hakmem.refill.spi.PolicySource;
import dev.hakmem.refill.LocalHeap;
import dev.hakmem.refill.RefillEngine;
import dev.hakmem.refill.RefillSettings;
import dev.hakmem.refill.SizeClasses;
import dev.hakmem.refill.Span;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Owner heaps lent to one jcstress state at a time, so that every state has a remote-free queue of
 * its own without carving a span per state.
 *
 * <p><b>Why a heap per state.</b> The actors of one jcstress thread run through thousands of states
 * in a row, unsynchronised with the other actor's thread. If states shared an owner heap, the
 * owner's refill for state 5 could drain the block freed for state 9, and no state could tell
 * whether its own block came back once. A heap of its own makes each state's outcome its own.
 *
 * <p><b>Why a pool.</b> A new heap carves a span (a 64 KiB page, under the engine's lock) at its
 * first refill. A heap that gets every block back keeps its one empty single-page span (the
 * engine's guard against churn), so a returned heap serves the next state with a refill of one
 * block from a span it already owns: no lock but the limit's CAS. The pool grows to the number of
 * states jcstress keeps alive at once and stays there.
 *
 * <p><b>Why that is sound.</b> {@link LocalHeap} wants one owner at a time, not one thread: every
 * hand-over here is ordered. A heap reaches a state's constructor through the queue (offer
 * happens-before poll), jcstress orders the constructor before the actors and the actors before
 * the arbiter, and the arbiter gives the heap back through the queue. A heap whose state saw a
 * block lost or duplicated is not given back: its books are wrong, and the outcome already says so.
 */
final class OwnerHeaps {
    /** 64-byte blocks: a one-page span (1024 blocks) of the smallest tier, room for the 8-byte link. */
    static final int SIZE_CLASS = SizeClasses.classOf(64);

    private final RefillEngine engine;
    private final ConcurrentLinkedQueue<LocalHeap> idle = new ConcurrentLinkedQueue<>();

    OwnerHeaps(RefillEngine engine) {
        this.engine = engine;
    }

    /** The engine of a test class: default settings, so the file-backed route unless native access is on. */
    static RefillEngine newEngine() {
        return RefillEngine.create(RefillSettings.defaults(), new EventRing(1024),
                new PolicySource(RefillEngine.defaultPolicy()));
    }

    /** A heap that owns no block: no block out, none cached, nothing on its queue. */
    LocalHeap borrow() {
        LocalHeap heap = idle.poll();
        return heap != null ? heap : engine.newHeap();
    }

    /** @param heap a borrowed heap to which every block has been flushed back */
    void giveBack(LocalHeap heap) {
        idle.offer(heap);
    }

    /**
     * Refills {@code count} blocks of {@link #SIZE_CLASS} from {@code heap} and hands them to the
     * "user": marked allocated, as a thread cache does before returning a block.
     */
    static long[] allocate(LocalHeap heap, int count) {
        long[] blocks = new long[count];
        int taken = 0;
        while (taken < count) {
            taken += heap.refill(SIZE_CLASS, count - taken, blocks, taken);
        }
        for (long block : blocks) {
            heap.engine().spanOf(block).markAllocated(block);
        }
        return blocks;
    }

    /** What a thread that does not own {@code block} does to free it. */
    static void freeRemotely(RefillEngine engine, long block) {
        engine.freeNotOwned(release(engine, block), block);
    }

    /** The first step of any free: marks {@code block} free in its span; returns the span. */
    static Span release(RefillEngine engine, long block) {
        Span span = engine.spanOf(block);
        if (span.release(block) < 0) {
            throw new IllegalStateException("test bug: block 0x" + Long.toHexString(block) + " was not allocated");
        }
        return span;
    }

    /** How many of {@code batch[0..count)} are {@code block}. */
    static int occurrences(long[] batch, int count, long block) {
        int times = 0;
        for (int i = 0; i < count; i++) {
            if (batch[i] == block) {
                times++;
            }
        }
        return times;
    }
}
