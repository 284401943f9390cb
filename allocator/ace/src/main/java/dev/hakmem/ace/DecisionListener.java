package dev.hakmem.ace;

/** Told of each policy the learner publishes; called on the learner's thread (the facade logs them). */
@FunctionalInterface
public interface DecisionListener {
    void published(PolicyLearner.Decision decision);
}
