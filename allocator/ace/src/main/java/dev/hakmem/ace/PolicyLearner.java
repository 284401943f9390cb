package dev.hakmem.ace;

import dev.hakmem.refill.spi.CacheBudget;
import dev.hakmem.refill.spi.EventConsumer;
import dev.hakmem.refill.spi.EventKind;
import dev.hakmem.refill.spi.Policy;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

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
 * <p><b>Lifetimes by site.</b> Box 1 watches a few sampled blocks per thread and says, per block,
 * whether it was still live past a horizon ({@link EventKind#LIFETIME_LONG}) or freed before
 * ({@link EventKind#LIFETIME_SHORT}), with its site id. Per site the learner counts a window of such
 * samples; when a window reaches {@link Lifetimes#minSamples} it decides and starts a new window:
 * <ul>
 *   <li>a site survives in at least {@link Lifetimes#promotePercent} of the window: long-lived (V8
 *       pretenures a site when 85% of at least 100 sampled objects survive), and the policy names
 *       it, so its blocks are carved from spans of their own;</li>
 *   <li>a long-lived site that survives in less than {@link Lifetimes#demotePercent}: short-lived
 *       again (LLAMA's correction of a wrong prediction). Between the two thresholds a site keeps
 *       its class, so a site near either does not flip at every window.</li>
 * </ul>
 * At most {@link Lifetimes#maxSites} sites are counted (the first seen) and at most
 * {@link Policy#MAX_LONG_LIVED_SITES} named long-lived; sites beyond are ignored.
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

    /**
     * @param minSamples     samples of a site per decision (a window)
     * @param promotePercent a short-lived site whose window survives at least this often becomes long-lived
     * @param demotePercent  a long-lived site whose window survives less often than this becomes short-lived
     * @param maxSites       sites counted at most
     */
    public record Lifetimes(int minSamples, int promotePercent, int demotePercent, int maxSites) {
        public Lifetimes {
            if (minSamples < 1 || demotePercent < 0 || promotePercent <= demotePercent || promotePercent > 100 || maxSites < 0) {
                throw new IllegalArgumentException("learner lifetimes: need at least 1 sample, 0 <= demote < promote <= 100 "
                        + "and a site bound >= 0: " + minSamples + ", " + promotePercent + ", " + demotePercent + ", " + maxSites);
            }
        }

        /** V8's pretenuring rule (85% of at least 100), demoted below 50%; 4096 sites. */
        public static Lifetimes defaults() {
            return new Lifetimes(100, 85, 50, 4096);
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
    private final Lifetimes lifetimes;
    /** Per counted site, {samples survived, samples} of its current window. */
    private final Map<Integer, int[]> windows = new HashMap<>();
    private final TreeSet<Integer> longLived = new TreeSet<>();
    /** Sites whose class changed in this round, in words; empty if none did. */
    private final StringBuilder siteChanges = new StringBuilder();
    private long promotions;
    private long demotions;

    /**
     * A learner whose caches may hold, full, what {@code initial}'s hold.
     *
     * @param initial the policy in force: where counts and capacities start; its decay is learned
     */
    public PolicyLearner(Policy initial, Settings settings) {
        this(initial, settings, CacheBudget.covering(Objects.requireNonNull(initial, "initial policy")), Lifetimes.defaults(),
                CacheSizer.Settings.defaults());
    }

    /**
     * @param initial the policy in force: where counts and capacities start; its decay is learned
     * @param budget  what one thread's full caches may hold; {@code initial} must fit it
     */
    public PolicyLearner(Policy initial, Settings settings, CacheBudget budget) {
        this(initial, settings, budget, Lifetimes.defaults(), CacheSizer.Settings.defaults());
    }

    /** As {@link #PolicyLearner(Policy, Settings)}, with the rule that classifies sites by lifetime. */
    public PolicyLearner(Policy initial, Settings settings, Lifetimes lifetimes) {
        this(initial, settings, CacheBudget.covering(Objects.requireNonNull(initial, "initial policy")), lifetimes,
                CacheSizer.Settings.defaults());
    }

    PolicyLearner(Policy initial, Settings settings, CacheBudget budget, Lifetimes lifetimes, CacheSizer.Settings sizerSettings) {
        this.lifetimes = Objects.requireNonNull(lifetimes, "lifetimes");
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
            case LIFETIME_LONG -> lifetime((int) value, true);
            case LIFETIME_SHORT -> lifetime((int) value, false);
            default -> {
                // counted only, for now
            }
        }
    }

    private void lifetime(int site, boolean survived) {
        if (site <= 0 || site >= Policy.MAX_SITE_ID) {
            return; // no site a policy can name
        }
        int[] window = windows.get(site);
        if (window == null) {
            if (windows.size() >= lifetimes.maxSites()) {
                return;
            }
            window = new int[2];
            windows.put(site, window);
        }
        if (survived) {
            window[0]++;
        }
        if (++window[1] < lifetimes.minSamples()) {
            return;
        }
        long percent = 100L * window[0] / window[1];
        window[0] = 0;
        window[1] = 0;
        if (!longLived.contains(site) && percent >= lifetimes.promotePercent()
                && longLived.size() < Policy.MAX_LONG_LIVED_SITES) {
            longLived.add(site);
            promotions++;
            siteChanges.append(siteChanges.isEmpty() ? "" : "; ").append("site ").append(site).append(" long-lived (")
                    .append(percent).append("% survived)");
        } else if (longLived.contains(site) && percent < lifetimes.demotePercent()) {
            longLived.remove(site);
            demotions++;
            siteChanges.append(siteChanges.isEmpty() ? "" : "; ").append("site ").append(site).append(" short-lived again (")
                    .append(percent).append("% survived)");
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
        String sites = null;
        if (!siteChanges.isEmpty()) {
            sites = siteChanges.toString();
            siteChanges.setLength(0);
        }
        if (decay == null && sizes == null && sites == null) {
            return null;
        }
        policy = sizer.policy(decayMillis).withLongLivedSites(longLived.stream().mapToInt(Integer::intValue).toArray());
        StringBuilder reason = new StringBuilder();
        for (String part : new String[] {decay, sizes, sites}) {
            if (part != null) {
                reason.append(reason.isEmpty() ? "" : "; ").append(part);
            }
        }
        return new Decision(policy, reason.toString());
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

    /** Times a class's cache grew. */
    public long cacheGrowths() {
        return sizer.grown();
    }

    /** Events of {@code kind} seen so far. */
    public long events(EventKind kind) {
        return eventsByKind[kind.ordinal()];
    }

    /** Chunks mapped again within the horizon after one went back. */
    public long regrets() {
        return regrets;
    }

    /** Whether the learner takes {@code site} for long-lived now. */
    public boolean isLongLived(int site) {
        return longLived.contains(site);
    }

    /** Sites classified long-lived so far (each time one was). */
    public long promotions() {
        return promotions;
    }

    /** Long-lived sites classified short-lived again so far. */
    public long demotions() {
        return demotions;
    }

    /** Chunks given back that nothing asked for again within the horizon. */
    public long vindications() {
        return vindications;
    }
}
