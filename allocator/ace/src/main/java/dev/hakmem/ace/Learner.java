package dev.hakmem.ace;

import dev.hakmem.refill.spi.EventRing;
import dev.hakmem.refill.spi.PolicySource;

import java.lang.ref.WeakReference;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The thin driver of a {@link PolicyLearner}: every {@link #PERIOD_MILLIS} it drains the
 * {@link EventRing} into it and publishes what it decides through the {@link PolicySource} (one
 * volatile store, which the refill engine reads at its next refill: contract B). The producers never
 * wait for it: a learner that falls behind only makes the ring drop events (contract A).
 *
 * <p>One daemon thread of the lowest priority, {@code hakmem-learner}, for the whole JVM, started
 * with the first learner, visits every learner; it holds them weakly, so an allocator nobody closed
 * does not stay alive for it (as the chunk purger does).
 */
public final class Learner implements AutoCloseable {
    /** Fine enough for decays of a second and more; a visit with nothing in the ring costs a few loads. */
    public static final long PERIOD_MILLIS = 100;

    private static final class Holder {
        static final ScheduledExecutorService EXECUTOR = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("hakmem-learner").daemon().priority(Thread.MIN_PRIORITY).factory());
    }

    private final EventRing ring;
    private final PolicySource source;
    private final PolicyLearner logic;
    private final DecisionListener listener;
    private ScheduledFuture<?> visits;
    private volatile long rounds;
    private volatile long eventsSeen;
    private volatile long decisions;
    private volatile String lastDecision = "";

    private Learner(EventRing ring, PolicySource source, PolicyLearner logic, DecisionListener listener) {
        this.ring = Objects.requireNonNull(ring, "ring");
        this.source = Objects.requireNonNull(source, "source");
        this.logic = Objects.requireNonNull(logic, "logic");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Attaches a learner to {@code ring} (from now on the engine publishes to it) and publishes the
     * learner's starting policy; nothing drains the ring until {@link #start()} (or {@link #runOnce}).
     */
    public static Learner attach(EventRing ring, PolicySource source, PolicyLearner logic, DecisionListener listener) {
        Learner learner = new Learner(ring, source, logic, listener);
        source.publish(logic.policy());
        ring.attachConsumer();
        return learner;
    }

    /** Has the learner thread visit this learner every {@link #PERIOD_MILLIS}. */
    public synchronized Learner start() {
        if (visits == null) {
            WeakReference<Learner> ref = new WeakReference<>(this);
            ScheduledFuture<?>[] self = new ScheduledFuture<?>[1];
            Runnable visit = () -> {
                Learner learner = ref.get();
                if (learner == null) {
                    self[0].cancel(false);
                    return;
                }
                learner.runOnce(System.nanoTime());
            };
            self[0] = Holder.EXECUTOR.scheduleWithFixedDelay(visit, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            visits = self[0];
        }
        return this;
    }

    /** Ring-fulls a round drains at most, so that a storm of producers cannot keep the learner in one round. */
    static final int MAX_RINGS_PER_ROUND = 4;

    /**
     * One round: drains what the ring holds (again while it comes back full, up to
     * {@link #MAX_RINGS_PER_ROUND} ring-fulls), then publishes a policy if one was decided.
     * Synchronized so that a test's rounds and the thread's never drain at once (the ring has one consumer).
     */
    public synchronized void runOnce(long nowNanos) {
        logic.beginRound(nowNanos);
        int capacity = ring.capacity();
        long drained = 0;
        for (int pass = 0; pass < MAX_RINGS_PER_ROUND; pass++) {
            int got = ring.drain(logic, capacity);
            drained += got;
            if (got < capacity) {
                break;
            }
        }
        PolicyLearner.Decision decision = logic.endRound();
        eventsSeen += drained;
        rounds++;
        if (decision != null) {
            source.publish(decision.policy());
            decisions++;
            lastDecision = decision.reason();
            listener.published(decision);
        }
    }

    public LearnerSnapshot snapshot() {
        return new LearnerSnapshot(rounds, eventsSeen, decisions, source.current().chunkDecayMillis(), lastDecision);
    }

    /** Stops the visits; the policy in force stays. */
    @Override
    public synchronized void close() {
        if (visits != null) {
            visits.cancel(false);
        }
    }
}
