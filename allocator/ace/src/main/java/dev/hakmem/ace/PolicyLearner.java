package dev.hakmem.ace;

import dev.hakmem.refill.spi.CacheBudget;
import dev.hakmem.refill.spi.EventConsumer;
import dev.hakmem.refill.spi.EventKind;
import dev.hakmem.refill.spi.Policy;

import java.util.Objects;

/**
 * What the learner decides, apart from any thread or clock: events go in through {@link #onEvent}
 * after {@link #beginRound} has said what time it is, and {@link #endRound} answers with a new
 * policy or with nothing. Deterministic: the same events at the same times give the same decisions,
 * so a test scripts them ({@code PolicyLearnerTest}). Not thread-safe: one driver calls it.
 *
 * <p><b>When to give memory back</b>: the chunk decay, how long an
 * empty chunk stays mapped before it goes back to the OS. It starts at {@link Settings#minDecayMillis}
 * (give back early) and learns from regret, as TCMalloc's adaptive subrelease does from demand that
 * comes back, in a form jemalloc's decay makes natural (one time constant):
 * <ul>
 *   <li><b>Regret</b>: a chunk is mapped again within {@link Settings#regretHorizonMillis} after one
 *       went back. The memory was idle for about {@code decay + gap} and then wanted again: the
 *       decay becomes {@code 1.5 × (decay + gap)} (the margin absorbs jitter in the idle gaps), up
 *       to {@link Settings#maxDecayMillis}, so the next idle gap of that length keeps the memory.</li>
 *   <li><b>Vindication</b>: a chunk went back and none was mapped again for the horizon: giving back
 *       was right, and the decay halves, down to the minimum (a workload whose gaps grew).</li>
 * </ul>
 * Between regret and vindication nothing changes, so a workload with steady idle gaps shorter than
 * the horizon pays for learning them (every chunk empty at the first gap goes back and is mapped
 * again) and then keeps its memory across them; one with gaps longer than the horizon gives its
 * memory back after the minimum decay every time.
 * {@code BurstyIdleDriver} (in {@code benchmarks}, under {@code rss}) measures both against fixed
 * decays (benchmarks/reports/2026-12-04-learner.md).
 *
 * <p><b>Cache capacities and refill batches per size class</b>, from refills and flushes, within a
 * per-thread byte budget: {@link CacheSizer}.
 *
 * <p>Every other event is only counted by kind ({@link #events}), for what is learned next.
 */
public final class PolicyLearner implements EventConsumer {

    /**
     * @param minDecayMillis      the decay it starts at and never goes below
     * @param maxDecayMillis      the decay it never goes above
     * @param regretHorizonMillis a chunk mapped again this soon after one went back was given back too early
     */
    public record Settings(long minDecayMillis, long maxDecayMillis, long regretHorizonMillis) {
        public Settings {
            if (minDecayMillis < 0 || maxDecayMillis < minDecayMillis || maxDecayMillis > Policy.MAX_DECAY_MILLIS
                    || regretHorizonMillis <= 0) {
                throw new IllegalArgumentException("learner settings: need 0 <= min <= max <= " + Policy.MAX_DECAY_MILLIS
                        + " and a positive horizon: " + minDecayMillis + ", " + maxDecayMillis + ", " + regretHorizonMillis);
            }
        }

        /**
         * 1 s to 60 s, regret within 10 s: the two fixed decays the bursty workload is measured
         * against are the floor and the horizon (10 s is also jemalloc's default dirty decay).
         */
        public static Settings defaults() {
            return new Settings(1_000, 60_000, 10_000);
        }
    }

    /** A policy published, and why, in words for the log. */
    public record Decision(Policy policy, String reason) {
    }

    private static final long NONE = Long.MIN_VALUE;
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final Settings settings;
    private final CacheSizer sizer;
    private final long[] eventsByKind = new long[EventKind.values().length];
    private Policy policy;
    private long decayMillis;
    private long nowNanos;
    /** When the last chunk went back and no verdict on it has been reached; NONE if there is none. */
    private long pendingReleaseNanos = NONE;
    /** The decay in force when that chunk went back. */
    private long pendingReleaseDecayMillis;
    /** A regret seen in this round: the decay it asks for; NONE if there was none. */
    private long regretDecayMillis = NONE;
    private long regretGapMillis;
    private long regrets;
    private long vindications;

    /**
     * A learner whose caches may hold, full, what {@code initial}'s hold.
     *
     * @param initial the policy in force: where counts and capacities start; its decay is learned
     */
    public PolicyLearner(Policy initial, Settings settings) {
        this(initial, settings, CacheBudget.covering(Objects.requireNonNull(initial, "initial policy")));
    }

    /**
     * @param initial the policy in force: where counts and capacities start; its decay is learned
     * @param budget  what one thread's full caches may hold; {@code initial} must fit it
     */
    public PolicyLearner(Policy initial, Settings settings, CacheBudget budget) {
        this(initial, settings, budget, CacheSizer.Settings.defaults());
    }

    PolicyLearner(Policy initial, Settings settings, CacheBudget budget, CacheSizer.Settings sizerSettings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.decayMillis = settings.minDecayMillis();
        this.policy = Objects.requireNonNull(initial, "initial policy").withChunkDecayMillis(decayMillis);
        this.sizer = new CacheSizer(initial, budget, sizerSettings);
    }

    /** The policy to publish before the first round: the initial one with the starting decay. */
    public Policy policy() {
        return policy;
    }

    public long decayMillis() {
        return decayMillis;
    }

    /** Starts a round: the events that follow happened (were drained) at {@code nowNanos}. */
    public void beginRound(long nowNanos) {
        this.nowNanos = nowNanos;
    }

    @Override
    public void onEvent(EventKind kind, int sizeClass, long value) {
        eventsByKind[kind.ordinal()]++;
        switch (kind) {
            case CHUNK_UNMAPPED -> chunkReleased();
            case CHUNK_MAPPED -> chunkMapped();
            case REFILL, FLUSH -> sizer.missed(sizeClass);
            default -> {
                // counted only, for now
            }
        }
    }

    private void chunkReleased() {
        pendingReleaseNanos = nowNanos;
        pendingReleaseDecayMillis = decayMillis;
    }

    private void chunkMapped() {
        if (pendingReleaseNanos == NONE) {
            return; // growth, not a return of demand the learner sent away
        }
        long gapMillis = (nowNanos - pendingReleaseNanos) / NANOS_PER_MILLI;
        if (gapMillis >= settings.regretHorizonMillis()) {
            return; // the release was right: endRound vindicates it (a round may see the horizon pass and this map at once)
        }
        pendingReleaseNanos = NONE;
        long wanted = Math.min(settings.maxDecayMillis(), (pendingReleaseDecayMillis + gapMillis) * 3 / 2);
        if (regretDecayMillis == NONE || wanted > regretDecayMillis) {
            regretDecayMillis = wanted;
            regretGapMillis = gapMillis;
        }
    }

    /**
     * Ends the round begun by {@link #beginRound}.
     *
     * @return the policy to publish and why, or null if it stays as it is
     */
    public Decision endRound() {
        String decay = decideDecay();
        String sizes = sizer.endRound(nowNanos);
        if (decay == null && sizes == null) {
            return null;
        }
        policy = sizer.policy(decayMillis);
        return new Decision(policy, decay == null ? sizes : sizes == null ? decay : decay + "; " + sizes);
    }

    /** @return why the decay changed, or null if it did not */
    private String decideDecay() {
        if (regretDecayMillis != NONE) {
            long wanted = regretDecayMillis;
            long gap = regretGapMillis;
            regretDecayMillis = NONE;
            regrets++;
            if (wanted > decayMillis) {
                return decide(wanted, "a chunk was mapped again " + gap + " ms after one went back: keep empty chunks "
                        + wanted + " ms (was " + decayMillis + ")");
            }
            return null;
        }
        if (pendingReleaseNanos != NONE
                && (nowNanos - pendingReleaseNanos) / NANOS_PER_MILLI >= settings.regretHorizonMillis()) {
            pendingReleaseNanos = NONE;
            vindications++;
            long wanted = Math.max(settings.minDecayMillis(), decayMillis / 2);
            if (wanted < decayMillis) {
                return decide(wanted, "no chunk was mapped for " + settings.regretHorizonMillis()
                        + " ms after one went back: keep empty chunks " + wanted + " ms (was " + decayMillis + ")");
            }
        }
        return null;
    }

    private String decide(long newDecayMillis, String reason) {
        decayMillis = newDecayMillis;
        return reason;
    }

    /** Bytes one thread's caches hold when every class is full under the policy decided so far. */
    public long fullCacheBytes() {
        return sizer.fullCacheBytes();
    }

    /** Times a class's cache grew, and shrank back. */
    public long cacheGrowths() {
        return sizer.grown();
    }

    public long cacheShrinks() {
        return sizer.shrunk();
    }

    /** Events of {@code kind} seen so far. */
    public long events(EventKind kind) {
        return eventsByKind[kind.ordinal()];
    }

    /** Chunks mapped again within the horizon after one went back. */
    public long regrets() {
        return regrets;
    }

    /** Chunks given back that nothing asked for again within the horizon. */
    public long vindications() {
        return vindications;
    }
}
