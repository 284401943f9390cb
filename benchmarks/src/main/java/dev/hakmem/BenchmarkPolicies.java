package dev.hakmem;

import dev.hakmem.refill.spi.Policy;

/**
 * For benchmarks only: publishes a policy of the benchmark's choosing to the process-wide
 * allocator, as a learner would ({@code PhaseShift}'s per-class oracle). It lives in the benchmarks'
 * source tree, in the facade's package, because the facade has no public way to do this and should
 * not have one: it works only because the benchmarks' uber jar runs on the class path, where this
 * class and {@code DefaultAllocator} share one runtime package. The allocator's own jars, as named
 * modules, never contain it.
 */
public final class BenchmarkPolicies {
    /** Whether the allocator was found not to learn: {@link HakmemAllocator#stats()} sweeps every cache, once is enough. */
    private static boolean checkedNotLearning;

    private BenchmarkPolicies() {
    }

    /**
     * Publishes {@code policy} to {@link Hakmem#allocator()}'s policy source: every cache takes its
     * capacity and batch at its next refill of a class (contract B).
     *
     * @throws IllegalStateException if the process-wide allocator is not the plain one (debug mode wraps it)
     *         or learns (its learner would overwrite the policy)
     */
    public static void publish(Policy policy) {
        if (!(Hakmem.allocator() instanceof DefaultAllocator allocator)) {
            throw new IllegalStateException("a benchmark policy needs hakmem's plain allocator, not "
                    + Hakmem.allocator().getClass().getSimpleName() + " (hakmem.debug on?)");
        }
        if (!checkedNotLearning) {
            if (allocator.stats().learning()) {
                throw new IllegalStateException("a benchmark policy with hakmem.learn on: the learner would replace it");
            }
            checkedNotLearning = true;
        }
        allocator.policySource().publish(policy);
    }
}
