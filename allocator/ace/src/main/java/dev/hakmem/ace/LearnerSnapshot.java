package dev.hakmem.ace;

/**
 * What the learner has done so far.
 *
 * @param rounds           times it drained the ring
 * @param eventsSeen       events it read (the ring counts those it dropped)
 * @param decisions        policies it published
 * @param chunkDecayMillis the chunk decay of the policy in force
 * @param lastDecision     why it published the last one; empty before the first
 */
public record LearnerSnapshot(long rounds, long eventsSeen, long decisions, long chunkDecayMillis, String lastDecision) {
}
