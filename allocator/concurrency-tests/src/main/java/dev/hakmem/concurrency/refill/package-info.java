/**
 * jcstress tests of the remote-free path of {@link dev.hakmem.refill.RefillEngine}: a block of heap
 * A freed by another thread is marked free ({@code Span.release}), pushed onto A's lock-free queue
 * ({@code RefillEngine.freeNotOwned}), and taken back by A at its next refill, or, once A is retired,
 * by the orphanage. The property behind every outcome: the block comes back exactly once.
 *
 * <p><b>Cost of a state.</b> jcstress creates states by the million (thousands live at once, built
 * and judged on two threads at a time), so no state creates an engine: each test class holds one in
 * a static field, for the forked JVM that runs it. Tests that need a fresh queue per state borrow an
 * owner heap from an {@link dev.hakmem.concurrency.refill.OwnerHeaps} pool and return it once the
 * arbiter has taken every block back; only the retirement test, whose heap cannot be used again,
 * makes a heap (and so carves a span) per state.
 */
package dev.hakmem.concurrency.refill;
