package dev.hakmem.ace;

import dev.hakmem.refill.spi.CacheBudget;
import dev.hakmem.refill.spi.Policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Thread-cache capacities and refill batches per size class, learned from how often each class
 * misses: a refill (the cache ran empty) or a flush (it overflowed) is one miss, and a class's
 * misses are counted over an epoch ({@link Settings#epochMillis}) across all threads.
 * <ul>
 *   <li><b>Grow</b> a class with at least {@link Settings#growMisses} misses in an epoch: its
 *       capacity doubles (up to {@link Policy#MAX_CAPACITY}) and its batch follows in the starting
 *       policy's ratio, but never above half the capacity, so a cache that alternates between empty
 *       and full (a random walk of frees and allocations hits either wall in time growing with the
 *       square of the capacity) goes to the refill engine less often, as TCMalloc grows a class that
 *       alternates underflow and overflow and jemalloc's tcache doubles a class's fill count. (The
 *       budget's cut leaves the classes it cut with batch = capacity: a refill fills such a cache and
 *       the next free overflows it; half, like the flush that keeps the younger half, starts the walk
 *       in the middle.) A class that gave capacity away (below) gets back what it had in one step
 *       when it misses again: a size mix that comes back every few seconds finds its caches as it
 *       left them; if the quiet classes cannot give that much, it doubles, if they can give that.</li>
 *   <li><b>Within the budget</b> ({@link CacheBudget}): growth that would take the full caches past
 *       it takes capacity from classes that hardly missed (fewest misses first, then largest
 *       footprint), halving them, down to one block; if they cannot give enough, the class does not
 *       grow. So a program whose size mix shifts moves its cache bytes to the classes in use now,
 *       and a program never holds more in a full cache than the budget.</li>
 *   <li><b>Shrink back</b> a class grown above its starting capacity once it went
 *       {@link Settings#idleEpochs} epochs without a miss: halved, not below where it started.</li>
 * </ul>
 * A capacity takes effect at a cache's next refill of that class (contract B): a cache already
 * holding blocks keeps them.
 *
 * <p>Pure and deterministic, like {@link PolicyLearner}, which drives it: counts go in, and
 * {@link #endRound} says at a given time whether the sizes changed. Not thread-safe.
 * {@code PhaseShift} (in {@code benchmarks}) measures it against a sweep of fixed settings.
 */
final class CacheSizer {

    /**
     * @param epochMillis how long misses are counted before a decision
     * @param growMisses  misses of a class in one epoch that make it grow (all threads together)
     * @param idleEpochs  epochs without a miss after which a grown class shrinks back
     */
    record Settings(long epochMillis, int growMisses, int idleEpochs) {
        Settings {
            if (epochMillis <= 0 || growMisses <= 0 || idleEpochs <= 0) {
                throw new IllegalArgumentException("cache sizer settings must be positive: " + epochMillis + " ms, "
                        + growMisses + " misses, " + idleEpochs + " epochs");
            }
        }

        /**
         * Epochs of 200 ms (two learner rounds), so a mix that shifts every second is followed within
         * a fifth of it; 16 misses an epoch (80 a second) is where refills begin to show (each costs
         * about a microsecond: a batch carved out of a span); 15 quiet epochs (3 s) keep a class through a lull.
         */
        static Settings defaults() {
            return new Settings(200, 16, 15);
        }
    }

    private static final long NONE = Long.MIN_VALUE;
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final Settings settings;
    private final CacheBudget budget;
    private final int[] startRefill;
    private final int[] startCapacity;
    private final int[] refill;
    private final int[] capacity;
    private final long[] misses;
    private final int[] quietEpochs;
    /** Per class: the capacity it had when quiet classes last gave theirs away; what it gets back at once when it misses again. */
    private final int[] recalled;
    private long epochStartNanos = NONE;
    private long grown;
    private long shrunk;

    /**
     * @param start  the policy in force: where every class starts, and the floor a grown class shrinks back to
     * @param budget what full caches may hold; {@code start} must fit it
     */
    CacheSizer(Policy start, CacheBudget budget, Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.budget = Objects.requireNonNull(budget, "budget");
        if (!budget.admits(start)) {
            throw new IllegalArgumentException("the starting policy holds " + CacheBudget.bytesOf(start)
                    + " bytes in full caches, over the budget of " + budget.maxBytes());
        }
        int classes = start.sizeClasses();
        startRefill = new int[classes];
        startCapacity = new int[classes];
        for (int c = 0; c < classes; c++) {
            startRefill[c] = start.refillCount(c);
            startCapacity[c] = start.cacheCapacity(c);
        }
        refill = startRefill.clone();
        capacity = startCapacity.clone();
        misses = new long[classes];
        quietEpochs = new int[classes];
        recalled = capacity.clone();
    }

    /** A cache of {@code sizeClass} ran empty, or overflowed. Classes the policy does not know (huge) are ignored. */
    void missed(int sizeClass) {
        if (sizeClass >= 0 && sizeClass < misses.length) {
            misses[sizeClass]++;
        }
    }

    /**
     * Ends a round of the learner. The first round starts the first epoch; a round that ends one
     * decides.
     *
     * @return what changed, in words, or null if nothing did
     */
    String endRound(long nowNanos) {
        if (epochStartNanos == NONE) {
            epochStartNanos = nowNanos;
            return null;
        }
        if ((nowNanos - epochStartNanos) / NANOS_PER_MILLI < settings.epochMillis()) {
            return null;
        }
        epochStartNanos = nowNanos;
        List<String> changes = new ArrayList<>();
        shrinkQuietClasses(changes);
        growMissingClasses(changes);
        Arrays.fill(misses, 0);
        return changes.isEmpty() ? null : String.join("; ", changes);
    }

    private void shrinkQuietClasses(List<String> changes) {
        for (int c = 0; c < misses.length; c++) {
            quietEpochs[c] = misses[c] == 0 ? quietEpochs[c] + 1 : 0;
            if (quietEpochs[c] >= settings.idleEpochs() && capacity[c] > startCapacity[c]) {
                int was = capacity[c];
                capacity[c] = Math.max(startCapacity[c], was / 2);
                recalled[c] = capacity[c];
                refill[c] = Math.min(capacity[c], Math.max(startRefill[c], refill[c] / 2));
                quietEpochs[c] = 0;
                shrunk++;
                changes.add("class " + c + " (" + CacheBudget.blockSize(c) + " B) missed nothing for " + settings.idleEpochs()
                        + " epochs: cache " + was + " -> " + capacity[c] + " blocks");
            }
        }
    }

    private void growMissingClasses(List<String> changes) {
        List<Integer> growers = new ArrayList<>();
        for (int c = 0; c < misses.length; c++) {
            if (misses[c] >= settings.growMisses() && capacity[c] < Policy.MAX_CAPACITY) {
                growers.add(c);
            }
        }
        growers.sort(Comparator.comparingLong((Integer c) -> misses[c]).reversed());
        for (int c : growers) {
            int was = capacity[c];
            // a size mix that comes back gets back what it had in one step, not in doublings
            int wanted = Math.min(Policy.MAX_CAPACITY, Math.max(2 * was, recalled[c]));
            String taken = makeRoom(c, wanted);
            int doubled = Math.min(Policy.MAX_CAPACITY, 2 * was);
            if (taken == null && wanted > doubled) {
                // what it had is more than the quiet classes can give: a class left at a block or two
                // while its size mix is back would miss at nearly every call until they could
                wanted = doubled;
                taken = makeRoom(c, wanted);
            }
            if (taken == null) {
                continue; // the classes that hardly missed could not give enough
            }
            capacity[c] = wanted;
            refill[c] = (int) Math.clamp((long) wanted * startRefill[c] / startCapacity[c], 1, Math.max(1, wanted / 2));
            grown++;
            changes.add("class " + c + " (" + CacheBudget.blockSize(c) + " B) missed " + misses[c] + " times in "
                    + settings.epochMillis() + " ms: cache " + was + " -> " + wanted + " blocks, batch " + refill[c] + taken);
        }
    }

    /**
     * Makes room in the budget for class {@code c} at {@code wanted} blocks, from the slack first,
     * then from the classes that hardly missed.
     *
     * @return what was taken, in words ("" if the slack was enough), or null if there is no such room
     */
    private String makeRoom(int c, int wanted) {
        long need = (wanted - capacity[c]) * CacheBudget.blockSize(c) - (budget.maxBytes() - fullCacheBytes());
        return need > 0 ? takeFromQuietClasses(c, need) : "";
    }

    /**
     * Frees at least {@code need} bytes of the budget by halving the classes that hardly missed
     * ({@code growMisses / 8} or fewer), fewest misses first, then largest footprint; changes nothing
     * if they cannot give that much.
     *
     * @return what was taken, in words, or null
     */
    private String takeFromQuietClasses(int grower, long need) {
        long quietMax = settings.growMisses() / 8;
        List<Integer> donors = new ArrayList<>();
        for (int c = 0; c < misses.length; c++) {
            if (c != grower && misses[c] <= quietMax && capacity[c] > 1) {
                donors.add(c);
            }
        }
        donors.sort(Comparator.comparingLong((Integer c) -> misses[c])
                .thenComparing(Comparator.comparingLong((Integer c) -> capacity[c] * CacheBudget.blockSize(c)).reversed()));
        int[] newCapacity = capacity.clone();
        long freed = 0;
        StringBuilder from = new StringBuilder();
        for (int d : donors) {
            while (freed < need && newCapacity[d] > 1) {
                int halved = newCapacity[d] / 2;
                freed += (newCapacity[d] - halved) * CacheBudget.blockSize(d);
                newCapacity[d] = halved;
            }
            if (newCapacity[d] != capacity[d]) {
                from.append(from.isEmpty() ? "" : ", ").append("class ").append(d).append(' ')
                        .append(capacity[d]).append(" -> ").append(newCapacity[d]);
            }
            if (freed >= need) {
                break;
            }
        }
        if (freed < need) {
            return null;
        }
        for (int d = 0; d < capacity.length; d++) {
            if (newCapacity[d] != capacity[d]) {
                recalled[d] = Math.max(recalled[d], capacity[d]);
                capacity[d] = newCapacity[d];
                refill[d] = Math.min(refill[d], newCapacity[d]);
            }
        }
        return " (within the budget of " + budget.maxBytes() + " bytes, taken from " + from + ")";
    }

    /** The sizes decided so far, with {@code chunkDecayMillis}. */
    Policy policy(long chunkDecayMillis) {
        return Policy.of(refill, capacity, chunkDecayMillis);
    }

    int capacity(int sizeClass) {
        return capacity[sizeClass];
    }

    int refill(int sizeClass) {
        return refill[sizeClass];
    }

    /** Bytes the caches hold when every class is full under the sizes decided so far. */
    long fullCacheBytes() {
        return CacheBudget.bytesOf(capacity);
    }

    long grown() {
        return grown;
    }

    long shrunk() {
        return shrunk;
    }
}
