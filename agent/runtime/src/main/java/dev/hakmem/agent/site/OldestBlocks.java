package dev.hakmem.agent.site;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The age of each site's oldest live block, from sampled blocks ({@link CallPathSampler}): for every
 * site and each of its call paths, the {@link #KEPT} oldest sampled blocks still live, with when they
 * were allocated. A block is live while the allocator (or, in observe mode, the agent's own table)
 * still says it carries the id it was sampled with; a block freed and handed out again carries
 * another id, or is sampled again and replaces its old entry.
 *
 * <p>Exact per-block times would cost every allocation a clock read and 8 bytes; samples cost
 * nothing off their cold path. The first allocation of every thread at every site is sampled, so a
 * site that leaks from its start shows its true age; a leak that starts later is seen once a sample
 * lands in it (about one per sampling interval of bytes).
 */
public final class OldestBlocks {
    /** Sampled blocks kept per site or path: once full, newer samples wait until older ones are found freed. */
    static final int KEPT = 64;

    /** Tells whether a sampled block is still live with the id it was sampled with. */
    @FunctionalInterface
    public interface Liveness {
        boolean isLive(long address, int id);
    }

    private final Liveness liveness;
    /** Site, then the id its samples were counted under (the site's own, or a path's). */
    private final ConcurrentHashMap<Integer, ConcurrentHashMap<Integer, Samples>> bySite = new ConcurrentHashMap<>();

    public OldestBlocks(Liveness liveness) {
        this.liveness = liveness;
    }

    void remember(int siteId, int id, long address, long atMillis) {
        bySite.computeIfAbsent(siteId, s -> new ConcurrentHashMap<>()).computeIfAbsent(id, i -> new Samples())
                .add(address, id, atMillis, liveness);
    }

    /**
     * @return when the oldest sampled block of {@code siteId} (or of any of its paths) still live was
     *         allocated (epoch milliseconds), or 0 if none is known
     */
    public long oldestLiveSince(int siteId) {
        Map<Integer, Samples> ids = bySite.get(siteId);
        long oldest = 0;
        if (ids != null) {
            for (Samples samples : ids.values()) {
                long since = samples.oldestLive(liveness);
                if (since != 0 && (oldest == 0 || since < oldest)) {
                    oldest = since;
                }
            }
        }
        return oldest;
    }

    /** @return when the oldest sampled block counted under {@code id}, a path of {@code siteId}, still live was allocated, or 0 */
    public long oldestLiveSince(int siteId, int id) {
        Map<Integer, Samples> ids = bySite.get(siteId);
        Samples samples = ids == null ? null : ids.get(id);
        return samples == null ? 0 : samples.oldestLive(liveness);
    }

    /** One id's samples, oldest first; guarded by itself (only sampled allocations and reports come here). */
    private static final class Samples {
        private final long[] addresses = new long[KEPT];
        private final int[] ids = new int[KEPT];
        private final long[] times = new long[KEPT];
        private int count;

        synchronized void add(long address, int id, long atMillis, Liveness liveness) {
            for (int i = 0; i < count; i++) {
                if (addresses[i] == address) {
                    remove(i); // freed and allocated again: the older entry is gone
                    break;
                }
            }
            if (count == KEPT) {
                prune(liveness);
                if (count == KEPT) {
                    return; // the kept ones are older and live: this one cannot be the oldest
                }
            }
            addresses[count] = address;
            ids[count] = id;
            times[count] = atMillis;
            count++;
        }

        synchronized long oldestLive(Liveness liveness) {
            prune(liveness);
            return count == 0 ? 0 : times[0];
        }

        private void prune(Liveness liveness) {
            int kept = 0;
            for (int i = 0; i < count; i++) {
                if (liveness.isLive(addresses[i], ids[i])) {
                    addresses[kept] = addresses[i];
                    ids[kept] = ids[i];
                    times[kept] = times[i];
                    kept++;
                }
            }
            Arrays.fill(addresses, kept, count, 0);
            count = kept;
        }

        private void remove(int index) {
            int after = count - index - 1;
            System.arraycopy(addresses, index + 1, addresses, index, after);
            System.arraycopy(ids, index + 1, ids, index, after);
            System.arraycopy(times, index + 1, times, index, after);
            count--;
        }
    }
}
