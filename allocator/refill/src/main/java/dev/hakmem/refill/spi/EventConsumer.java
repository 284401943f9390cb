package dev.hakmem.refill.spi;

/** Receives events drained from an {@link EventRing}; called on the learner's thread. */
@FunctionalInterface
public interface EventConsumer {
    void onEvent(EventKind kind, int sizeClass, long value);
}
