package dev.hakmem.agent.backend;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling on direct-buffer capacity, counted as {@code java.nio.Bits} counts it (capacity, not
 * block size), so an application sized for {@code -XX:MaxDirectMemorySize} behaves the same.
 * {@code Unsafe} memory is not counted, as the JDK does not count it.
 *
 * <p><b>Thread credit.</b> A shared counter costs two atomic operations per buffer (a CAS to reserve,
 * an add to release): about a tenth of an {@code allocateDirect} + {@code invokeCleaner} of 64 B to
 * 1 KiB through the agent. So a platform thread reserves {@link #creditBytes} at a time from the shared
 * counter and serves small buffers ({@code <= creditBytes / 4}) from that credit with plain arithmetic;
 * a release adds to the releasing thread's credit and gives back what passes twice the batch. The
 * shared counter holds what buffers use plus what threads hold as credit, and never passes the limit,
 * so buffers never pass it either. The price: a request can be refused while other threads still
 * hold credit, at most {@code 2 * creditBytes} each, and {@code creditBytes} is at most
 * {@code limit / 8192} (32 KiB at most), so each thread can strand at most 1/4096 of the limit. A
 * limit under 32 MiB gets no credit at all and is exact. Before a refusal, the credit of dead threads is
 * taken back and the caller's own credit is returned. Virtual threads use the shared counter (a
 * credit per virtual thread would be a million holders).
 */
final class DirectMemoryLimit {
    private static final long MAX_CREDIT_BYTES = 32 << 10;
    /** Below this batch (a limit under 32 MiB) credit is not worth its inexactness. */
    private static final long MIN_CREDIT_BYTES = 4 << 10;
    private static final int SWEEP_PER_REGISTRATION = 4;
    private static final int RECENT_SLOTS = 256;
    private static final VarHandle CREDIT_BYTES;

    static {
        try {
            CREDIT_BYTES = MethodHandles.lookup().findVarHandle(Credit.class, "bytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long limit;
    /** Bytes in buffers plus bytes threads hold as credit; never above {@link #limit}. */
    private final AtomicLong reserved = new AtomicLong();
    private final long creditBytes;
    private final long largestCredited;
    private final ThreadLocal<Credit> credits = ThreadLocal.withInitial(this::register);
    /**
     * Credits by thread id, direct-mapped, in front of {@link #credits}: a hit is two loads and a
     * compare where a {@code ThreadLocal} probes a hash table (and a virtual thread, which has no
     * credit, never hits). Installed racily by each thread for itself only; a hit is checked against
     * the final {@link Credit#ownerId} (ids are never reused), so a stale or lost entry only sends a
     * thread to its {@code ThreadLocal}.
     */
    private final Credit[] recent = new Credit[RECENT_SLOTS];
    private final ConcurrentLinkedQueue<Credit> holders = new ConcurrentLinkedQueue<>();

    /** One platform thread's credit: written only by that thread (or, once it is dead, by a sweep). */
    private static final class Credit {
        final long ownerId;
        final WeakReference<Thread> thread;
        long bytes;

        Credit(Thread thread) {
            this.ownerId = thread.threadId();
            this.thread = new WeakReference<>(thread);
        }

        boolean ofDeadThread() {
            Thread t = thread.get();
            return t == null || !t.isAlive(); // isAlive() false orders the thread's writes before our reads
        }
    }

    DirectMemoryLimit(long limit) {
        this.limit = limit;
        long batch = Math.min(MAX_CREDIT_BYTES, limit >>> 13);
        this.creditBytes = batch < MIN_CREDIT_BYTES ? 0 : batch;
        this.largestCredited = creditBytes / 4;
    }

    /** @return false if {@code bytes} more would pass the limit (a request larger than the limit never fits) */
    boolean tryReserve(long bytes) {
        Credit credit;
        if (bytes <= largestCredited && (credit = creditOf(Thread.currentThread())) != null) {
            long held = credit.bytes;
            if (held >= bytes) {
                credit.bytes = held - bytes;
                return true;
            }
            if (tryReserveShared(creditBytes)) {
                credit.bytes = held + creditBytes - bytes;
                return true;
            }
        }
        return tryReserveShared(bytes) || tryReserveAfterReclaiming(bytes);
    }

    /** Near the limit: takes back dead threads' credit and the caller's own, then tries once more. */
    private boolean tryReserveAfterReclaiming(long bytes) {
        sweepDeadCredit(holders.size());
        Credit credit = creditOf(Thread.currentThread());
        if (credit != null) {
            long held = credit.bytes;
            if (held > 0) {
                credit.bytes = 0;
                reserved.addAndGet(-held);
            }
        }
        return tryReserveShared(bytes);
    }

    private boolean tryReserveShared(long bytes) {
        long now;
        while (bytes <= limit - (now = reserved.get())) {
            if (reserved.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
        return false;
    }

    void release(long bytes) {
        Credit credit;
        if (bytes <= largestCredited && (credit = creditOf(Thread.currentThread())) != null) {
            long held = credit.bytes + bytes;
            if (held > 2 * creditBytes) {
                reserved.addAndGet(creditBytes - held);
                held = creditBytes;
            }
            credit.bytes = held;
            return;
        }
        reserved.addAndGet(-bytes);
    }

    /** The credit of {@code thread}, the current thread; null for a virtual thread. */
    private Credit creditOf(Thread thread) {
        long id = thread.threadId();
        Credit hit = recent[(int) id & (RECENT_SLOTS - 1)];
        return hit != null && hit.ownerId == id ? hit : creditOnMiss(thread, id);
    }

    private Credit creditOnMiss(Thread thread, long id) {
        if (thread.isVirtual()) {
            return null;
        }
        Credit credit = credits.get();
        int slot = (int) id & (RECENT_SLOTS - 1);
        Credit there = recent[slot];
        if (there == null || there.ofDeadThread()) {
            recent[slot] = credit; // a live thread's entry stays: its thread keeps hitting, this one uses the ThreadLocal
        }
        return credit;
    }

    private Credit register() {
        sweepDeadCredit(SWEEP_PER_REGISTRATION);
        Credit credit = new Credit(Thread.currentThread());
        holders.add(credit);
        return credit;
    }

    /**
     * Looks at the {@code count} oldest holders (all of them before a refusal): a dead thread's credit
     * goes back to the shared counter, a live one goes to the back of the queue, so a churn of
     * short-lived threads is swept round robin however many long-lived ones registered first.
     * {@code poll} hands each holder to exactly one sweeper.
     */
    private void sweepDeadCredit(int count) {
        for (int i = 0; i < count; i++) {
            Credit credit = holders.poll();
            if (credit == null) {
                return;
            }
            if (credit.ofDeadThread()) {
                reserved.addAndGet(-credit.bytes);
            } else {
                holders.add(credit);
            }
        }
    }

    /**
     * Bytes in direct buffers now: the shared counter less what threads hold as credit, read without
     * stopping them, so exact only when no buffer is being reserved or released.
     */
    long reserved() {
        long credit = 0;
        for (Credit c : holders) {
            credit += (long) CREDIT_BYTES.getOpaque(c);
        }
        return reserved.get() - credit;
    }

    /** Bytes that threads hold as credit now (for tests and diagnostics; as racy as {@link #reserved}). */
    long creditHeld() {
        return reserved.get() - reserved();
    }

    long limit() {
        return limit;
    }

    /** Threads whose credit is registered (for tests: dead ones are swept). */
    int holders() {
        return holders.size();
    }

    /** The largest request served from a thread's credit; 0 when the limit is too small for credit. */
    long largestCredited() {
        return largestCredited;
    }
}
