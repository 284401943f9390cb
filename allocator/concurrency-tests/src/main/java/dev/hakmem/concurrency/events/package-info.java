/**
 * jcstress tests of {@link dev.hakmem.refill.spi.EventRing}, the lossy multi-producer single-consumer
 * ring through which the refill engine reports to the learner.
 *
 * <p>Every producer offers one event whose value names it (producer 1 offers value 1, and so on);
 * a {@link dev.hakmem.concurrency.events.Sequence} writes what a drain saw as the digits of those values
 * in drain order, so {@code 12} reads "event 1, then event 2" and {@code 0} reads "nothing". The one
 * property behind every outcome: an offer that returned true is drained exactly once, and an offer
 * that returned false is never drained and is counted in {@code dropped()}.
 *
 * <p>jcstress schedules a test only if the machine has a CPU for each actor. The tests with three
 * actors ({@code EventRingTwoProducersOneConsumerTest}, {@code EventRingThreeProducersTest}) therefore
 * run only on three or more CPUs; each has a two-actor counterpart that runs everywhere.
 */
package dev.hakmem.concurrency.events;
