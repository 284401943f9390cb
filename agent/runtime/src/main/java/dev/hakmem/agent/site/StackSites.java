package dev.hakmem.agent.site;

import java.lang.StackWalker.StackFrame;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sites for allocations that have no call site of their own (native segments, which every
 * {@code Arena.allocate} makes in one place inside the JDK): the first frame of the calling stack
 * outside the JDK and hakmem, e.g. Netty's {@code CleanerJava25.allocate} or the application's method
 * that called {@code arena.allocate}, registered like a call site (by class, method, line) with its
 * own id.
 *
 * <p>A stack walk costs microseconds, so it is sampled: every allocation of at least
 * {@link #ALWAYS_WALK_BYTES} (Netty's chunks, buffers), and one in {@link #SAMPLE} below that; an
 * allocation not walked gets the site its thread found last (an estimate: small segments are
 * attributed to the caller seen most recently on that thread).
 */
public final class StackSites {
    static final long ALWAYS_WALK_BYTES = 4096;
    static final int SAMPLE = 32;
    private static final StackWalker WALKER = StackWalker.getInstance(Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE));
    private static final ThreadLocal<int[]> LAST_SITE = ThreadLocal.withInitial(() -> new int[1]);

    private final SiteRegistry registry;
    private final DirectMemoryApi api;
    private final ClassLoader hakmem = StackSites.class.getClassLoader();
    private volatile int unknown;

    public StackSites(SiteRegistry registry, DirectMemoryApi api) {
        this.registry = registry;
        this.api = api;
    }

    /** @return the site of the allocation being made on this thread, by its calling stack */
    public int siteOf(long bytes) {
        int[] last = LAST_SITE.get();
        if (bytes < ALWAYS_WALK_BYTES && last[0] != 0 && ThreadLocalRandom.current().nextInt(SAMPLE) != 0) {
            return last[0];
        }
        Optional<StackFrame> caller = WALKER.walk(frames -> frames.filter(this::outsideJdkAndHakmem).findFirst());
        int site = caller.map(f -> registry.registerDerived(f.getClassName(), f.getMethodName(), f.getDescriptor(), f.getFileName(),
                f.getLineNumber(), api)).orElseGet(this::unknownSite);
        last[0] = site;
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

    private boolean outsideJdkAndHakmem(StackFrame frame) {
        Class<?> c = frame.getDeclaringClass();
        if (c.getClassLoader() == hakmem && hakmem != null) {
            return false;
        }
        Module m = c.getModule();
        if (!m.isNamed() || m.getLayer() != ModuleLayer.boot()) {
            return true;
        }
        String name = m.getName();
        return !(name.startsWith("java.") || name.startsWith("jdk."));
    }
}
