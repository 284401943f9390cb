package dev.hakmem.agent.site;

import java.util.List;

/**
 * The frames that led to a site, found by walking the stack of sampled allocations
 * ({@link CallPathSampler}): a site of its own to the allocator, so that what its blocks hold is
 * counted exactly, reported as a part of its {@link #siteId() site}.
 *
 * @param id     its id, in the registry's id space (the allocator counts blocks under it)
 * @param siteId the call site it breaks down
 * @param frames innermost first: the first frames outside the site's library, or its callers
 * @param certain true if its blocks were sampled for certain (each thread's first allocation at the
 *               site): each stands for itself, not for a sampling interval's worth of bytes
 */
public record CallPath(int id, int siteId, List<PathFrame> frames, boolean certain) {

    /** The frames joined by " <- ", innermost first. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (PathFrame f : frames) {
            if (!b.isEmpty()) {
                b.append(" <- ");
            }
            b.append(f.location());
        }
        return b.toString();
    }
}
