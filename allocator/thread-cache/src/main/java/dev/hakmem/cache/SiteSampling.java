package dev.hakmem.cache;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Whom sampled allocations go to, and how often: one per allocator instance, read only when a
 * site's byte countdown runs out ({@link SiteCounters}), so a cache hit never reads it.
 *
 * <p>Intervals are drawn from an exponential distribution with the mean asked for, as heap profilers
 * do (TCMalloc, JFR's {@code ObjectAllocationSample}): a block of {@code s} bytes is then sampled
 * with probability {@code 1 - exp(-s / mean)} whatever the pattern of sizes around it, so dividing by
 * that probability gives unbiased estimates, and a loop that alternates sites cannot alias with a
 * fixed interval.
 */
public final class SiteSampling {
    /** Without a sampler, countdowns start here: a site looks again after this many bytes in case one was installed. */
    static final long RECHECK_BYTES = 64L << 20;
    /** Caps a drawn interval at this many means (the exponential's tail beyond it has weight e^-20). */
    private static final double MAX_MEANS = 20;

    private volatile SiteSampler sampler;
    private volatile long meanBytes;
    /** With no sampler installed: the mean interval of the samples whose lifetimes a learner follows; 0 for none. */
    private volatile long lifetimeMeanBytes;

    /**
     * Samples allocations for the learner's lifetimes by site, about one every {@code meanBytes} per
     * thread and site, while no sampler is installed (an installed sampler's samples are watched too).
     */
    public void watchLifetimes(long meanBytes) {
        if (meanBytes <= 0) {
            throw new IllegalArgumentException("hakmem: a lifetime sampling interval must be positive: " + meanBytes + " bytes");
        }
        this.lifetimeMeanBytes = meanBytes;
    }

    /** Whether sampled allocations are followed for their lifetimes. */
    boolean watchesLifetimes() {
        return lifetimeMeanBytes > 0;
    }

    /** @return the bytes until a site's next sample when no sampler is installed */
    long idleCountdown() {
        long mean = lifetimeMeanBytes;
        return mean > 0 ? draw(mean) : RECHECK_BYTES;
    }

    /**
     * @param meanBytes the mean number of bytes a thread allocates at a site between two samples; 0 samples every allocation
     * @param sampler   null to stop sampling
     */
    public void install(long meanBytes, SiteSampler sampler) {
        if (meanBytes < 0) {
            throw new IllegalArgumentException("hakmem: a sampling interval cannot be negative: " + meanBytes + " bytes");
        }
        this.meanBytes = meanBytes;
        this.sampler = sampler;
    }

    public long meanBytes() {
        return meanBytes;
    }

    SiteSampler sampler() {
        return sampler;
    }

    /** @return the bytes until the next sample at a site */
    long nextCountdown() {
        long mean = meanBytes;
        if (mean == 0) {
            return 0;
        }
        return draw(mean);
    }

    private static long draw(long mean) {
        double u = ThreadLocalRandom.current().nextDouble(); // in [0, 1): -log(1 - u) is finite
        return (long) (Math.min(-Math.log1p(-u), MAX_MEANS) * mean);
    }
}
