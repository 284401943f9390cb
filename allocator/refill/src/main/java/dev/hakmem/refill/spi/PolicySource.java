package dev.hakmem.refill.spi;

import java.util.Objects;

/**
 * Where the refill engine reads the policy in force. The learner {@link #publish publishes}; the
 * refill engine reads {@link #current()} once per refill. A plain volatile reference: readers take
 * no lock and a publish is one release store.
 */
public final class PolicySource {
    private volatile Policy current;

    public PolicySource(Policy initial) {
        this.current = Objects.requireNonNull(initial, "initial policy");
    }

    public Policy current() {
        return current;
    }

    /** @throws IllegalArgumentException if the new policy covers a different number of size classes */
    public void publish(Policy next) {
        Objects.requireNonNull(next, "policy");
        if (next.sizeClasses() != current.sizeClasses()) {
            throw new IllegalArgumentException("policy covers " + next.sizeClasses()
                    + " size classes, the allocator has " + current.sizeClasses());
        }
        current = next;
    }
}
