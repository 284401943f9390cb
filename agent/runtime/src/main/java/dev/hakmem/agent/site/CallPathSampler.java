package dev.hakmem.agent.site;

import dev.hakmem.AllocationSampler;

import java.lang.StackWalker.StackFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * Breaks sites down by the frames that led to them, and keeps the age of their oldest blocks, from a
 * sample of allocations ({@code stacks=sampled[:N]}, about one in every N bytes a thread allocates at
 * a site, and its first allocation there; {@code stacks=all} walks every allocation; {@code stacks=off}
 * samples only for ages and walks nothing).
 *
 * <p>A sampled block moves to a {@link CallPath} of its site (the registry gives it an id, the
 * allocator then counts it there), so what each path holds now is exact for the sampled blocks and,
 * weighted by the inverse of their chance to be sampled ({@link #weight}), an unbiased estimate for
 * all of them. The path is the first {@link #DEPTH} frames outside the site's own library (so that
 * Netty's chunk allocation is broken down by the handlers above Netty), or, if every frame above the
 * site is in its library, the site's direct callers. A library is the first two parts of a package
 * name ({@code io.netty}): Netty's jars are one library, and an application shaded into one jar with
 * its libraries still splits from them.
 *
 * <p>In replace mode the allocator decides which allocations are sampled ({@link #sampled}, on its
 * cold path); in observe mode this class decides, by bytes per thread ({@link #observed}).
 */
public final class CallPathSampler implements AllocationSampler {
    /** Frames kept per path. */
    static final int DEPTH = 3;
    /** Frames outside the JDK and hakmem looked at above a site before giving up on leaving its library. */
    private static final int SCAN = 64;
    private static final StackWalker WALKER = StackWalker.getInstance(Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE));
    /** Where a thread's countdown starts in observe mode: its first allocation is sampled, and known as the first. */
    private static final long FIRST_COUNTDOWN = -1;
    private static final ThreadLocal<long[]> OBSERVE_COUNTDOWN = ThreadLocal.withInitial(() -> new long[] {FIRST_COUNTDOWN});

    /** What {@code stacks=} asked for. */
    public enum Mode { OFF, SAMPLED, ALL }

    private final SiteRegistry registry;
    private final Mode mode;
    private final long meanBytes;
    private final LongSupplier clock;
    private final OldestBlocks oldest;
    private final ConcurrentHashMap<FrameKey, PathFrame> frames = new ConcurrentHashMap<>();
    private final ClassValue<String> libraries = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            return libraryOf(type);
        }
    };

    private record FrameKey(Class<?> holder, String method, int bytecodeIndex) {
    }

    /**
     * @param meanBytes the mean bytes between samples at a site per thread (ignored for {@link Mode#ALL})
     * @param clock     milliseconds, for the age of blocks
     * @param oldest    where sampled blocks are remembered for their age
     */
    public CallPathSampler(SiteRegistry registry, Mode mode, long meanBytes, LongSupplier clock, OldestBlocks oldest) {
        if (meanBytes <= 0 && mode != Mode.ALL) {
            throw new IllegalArgumentException("hakmem: stacks=sampled needs a positive interval, got " + meanBytes + " bytes");
        }
        this.registry = registry;
        this.mode = mode;
        this.meanBytes = mode == Mode.ALL ? 0 : meanBytes;
        this.clock = clock;
        this.oldest = oldest;
    }

    /** @return the mean bytes between two samples of a site on one thread; 0 when every allocation is sampled */
    public long meanBytes() {
        return meanBytes;
    }

    public Mode mode() {
        return mode;
    }

    /** @return the ages of sampled blocks */
    public OldestBlocks oldest() {
        return oldest;
    }

    /**
     * The weight of a sampled block of {@code bytes}: the bytes it stands for, its size divided by
     * its chance to be sampled ({@code 1 - exp(-bytes / mean)}); a certain sample (a thread's first at
     * a site, or every allocation with {@code stacks=all}) stands for itself.
     */
    public double weight(double bytes, boolean certain) {
        if (meanBytes == 0 || certain || bytes <= 0) {
            return Math.max(bytes, 0);
        }
        return bytes / -Math.expm1(-bytes / meanBytes);
    }

    /** Replace mode: the allocator sampled the block at {@code address}, allocated at {@code siteId}. */
    @Override
    public int sampled(long address, long bytes, int siteId, boolean first) {
        int id = idOf(siteId, first);
        if (id != siteId) {
            oldest.remember(siteId, id, address, clock.getAsLong());
        }
        return id;
    }

    /**
     * Observe mode: whether to sample this allocation (about one in every mean bytes this thread
     * allocates, and its first), and where to count it.
     *
     * @param address the block's address, or 0 for a direct buffer (then no age is kept for it)
     * @return the id to count the allocation under: {@code siteId} or one of its paths
     */
    public int observed(long address, long bytes, int siteId) {
        long[] countdown = OBSERVE_COUNTDOWN.get();
        if ((countdown[0] -= bytes) >= 0) {
            return siteId;
        }
        boolean first = countdown[0] + bytes == FIRST_COUNTDOWN;
        countdown[0] = meanBytes == 0 ? 0 : (long) (-Math.log1p(-ThreadLocalRandom.current().nextDouble()) * meanBytes);
        int id = idOf(siteId, first);
        if (address != 0 && id != siteId) {
            oldest.remember(siteId, id, address, clock.getAsLong());
        }
        return id;
    }

    /**
     * The id a sampled block moves to: the path of frames that led to its site, or one with no frames
     * when none is walked or found. Never the site's own id (unless the registry keeps no more paths):
     * a block at the site's id could be a later, unsampled allocation at the same address, and its age
     * would be wrong. Certain samples (a thread's first allocation at a site) get paths of their own,
     * weighted by their bytes alone ({@link #weight} would count a small one as a whole interval).
     */
    private int idOf(int siteId, boolean first) {
        List<PathFrame> path = mode == Mode.OFF ? List.of() : framesAbove(siteId);
        return registry.registerPath(siteId, path, first || meanBytes == 0);
    }

    /** @return the frames the current stack took to {@code siteId}, innermost first; empty if none is found */
    private List<PathFrame> framesAbove(int siteId) {
        List<StackFrame> above = WALKER.walk(s -> s.filter(Frames::outsideJdkAndHakmem).limit(SCAN + 1).toList());
        CallSite site = registry.get(siteId);
        if (above.isEmpty() || site == null) {
            return List.of();
        }
        if (!above.get(0).getClassName().equals(site.className())) {
            above = new ArrayList<>(above);
            above.add(0, null); // a site in the JDK (jdk=true): every frame found is above it
        }
        String library = above.get(0) == null ? "the JDK" : libraries.get(above.get(0).getDeclaringClass());
        int first = 1;
        while (first < above.size() && libraries.get(above.get(first).getDeclaringClass()).equals(library)) {
            first++;
        }
        if (first == above.size()) {
            first = 1; // the site's library all the way up: its callers are the path
        }
        List<PathFrame> path = new ArrayList<>(DEPTH);
        for (int i = first; i < above.size() && path.size() < DEPTH; i++) {
            path.add(frameOf(above.get(i)));
        }
        return path;
    }

    private PathFrame frameOf(StackFrame f) {
        FrameKey key = new FrameKey(f.getDeclaringClass(), f.getMethodName(), f.getByteCodeIndex());
        PathFrame frame = frames.get(key);
        if (frame == null) {
            frame = new PathFrame(f.getClassName(), f.getMethodName(), f.getFileName(), f.getLineNumber());
            frames.putIfAbsent(key, frame);
        }
        return frame;
    }

    private static String libraryOf(Class<?> type) {
        String name = type.getName();
        int dot = name.indexOf('.');
        int second = dot < 0 ? -1 : name.indexOf('.', dot + 1);
        return second < 0 ? (dot < 0 ? "" : name.substring(0, dot)) : name.substring(0, second);
    }
}
