package dev.hakmem.agent.site;

import java.lang.StackWalker.StackFrame;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sites for allocations that have no call site of their own (native segments, which every
 * {@code Arena.allocate} makes in one place inside the JDK): the first frame of the calling stack
 * outside the JDK and hakmem, e.g. Netty's {@code CleanerJava25.allocate} or the application's method
 * that called {@code arena.allocate}, registered like a call site (by class, method, line) with its
 * own id.
 *
 * <p>A stack walk costs microseconds (a few, measured by {@code ArenaThroughAgent}), against tens of
 * nanoseconds for a small segment, so walks are sampled by bytes, as heap profilers sample: each thread
 * walks its first segment, every segment of at least twice {@link #WALK_EVERY_BYTES} (Netty's chunks),
 * and otherwise once a random number of bytes, {@link #WALK_EVERY_BYTES} on average, has been allocated
 * on it since its last walk; a segment not walked gets the site its thread found last. So large segments are attributed exactly, and
 * small ones to the caller their thread was seen at most recently: an estimate, exact for a thread that
 * allocates from one place.
 */
public final class StackSites {
    /** 1 MiB: at a few microseconds a walk, a small share of the time of allocating that many bytes in segments. */
    static final long WALK_EVERY_BYTES = 1 << 20;
    private static final StackWalker WALKER = StackWalker.getInstance(Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE));
    private static final ThreadLocal<Sampler> SAMPLERS = ThreadLocal.withInitial(Sampler::new);

    /** One thread's sampling state. */
    private static final class Sampler {
        int lastSite;
        long bytesUntilWalk;
    }

    private final SiteRegistry registry;
    private final DirectMemoryApi api;
    /** Frames already turned into sites: a descriptor and a line number cost more to compute than the walk to them. */
    private final ConcurrentHashMap<FrameKey, Integer> known = new ConcurrentHashMap<>();

    private record FrameKey(Class<?> holder, String method, int bytecodeIndex) {
    }
    private volatile int unknown;

    public StackSites(SiteRegistry registry, DirectMemoryApi api) {
        this.registry = registry;
        this.api = api;
    }

    /** @return the site of the allocation being made on this thread, by its calling stack */
    public int siteOf(long bytes) {
        Sampler sampler = SAMPLERS.get();
        sampler.bytesUntilWalk -= bytes;
        if (sampler.lastSite != 0 && sampler.bytesUntilWalk > 0) {
            return sampler.lastSite;
        }
        Optional<StackFrame> caller = WALKER.walk(frames -> frames.filter(Frames::outsideJdkAndHakmem).findFirst());
        int site = caller.map(this::siteOf).orElseGet(this::unknownSite);
        sampler.lastSite = site;
        // a random interval, 1 MiB on average: a fixed one would alias with a loop that alternates call sites
        sampler.bytesUntilWalk = ThreadLocalRandom.current().nextLong(2 * WALK_EVERY_BYTES);
        return site;
    }

    private int siteOf(StackFrame f) {
        FrameKey key = new FrameKey(f.getDeclaringClass(), f.getMethodName(), f.getByteCodeIndex());
        Integer site = known.get(key);
        if (site == null) {
            site = registry.registerDerived(f.getClassName(), f.getMethodName(), f.getDescriptor(), f.getFileName(),
                    f.getLineNumber(), api);
            known.putIfAbsent(key, site);
        }
        return site;
    }

    private int unknownSite() {
        int site = unknown;
        if (site == 0) {
            site = registry.registerDerived("(the JDK itself)", "-", "()V", null, -1, api);
            unknown = site;
        }
        return site;
    }
}
