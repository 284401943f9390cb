package dev.hakmem.agent.report;

/** What a site's live bytes did over the run, as the report's leak and pool views group them. */
public enum Behaviour {
    /** Nothing allocated yet, or everything freed and nothing live. */
    IDLE,
    /** Allocates and frees while its live bytes stay within a band, or a known pool's allocation (Netty's arenas). */
    POOL,
    /** Live bytes kept rising over the later part of the run: the first place to look for a leak. */
    GROWING,
    /** Holds memory without a clear trend (allocated once and kept, or too few samples to tell). */
    STEADY
}
