/**
 * jcstress tests of {@link dev.hakmem.agent.backend.DirectMemoryLimit}, in its package because the
 * limit is the backend's own: the shared counter's CAS at the limit, batches of thread credit taken
 * from it, and dead threads' credit taken back by concurrent sweeps. The invariant behind every
 * outcome: the shared counter holds exactly the bytes in buffers plus the credit held, and never
 * passes the limit.
 */
package dev.hakmem.agent.backend;
