package java.nio;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.SwitchPoint;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What {@link HakmemBridge} asks of hakmem. Defined inside {@code java.base} by the hakmem agent, so
 * that the bridge, which every class loader can see, can call into hakmem's module layer, which only
 * the agent can see. The agent installs at most one implementation; call sites linked before that run
 * on the JDK until it is installed ({@link HakmemLinker}).
 *
 * <p>Contract for implementations: the {@code release*} methods never throw (they run on the JDK's
 * Reference Handler thread, where an exception ends the process).
 */
public abstract class HakmemBackend {
    /**
     * How long a call site linked before the allocator is ready waits for it (it usually takes
     * 100-250 ms of CPU); after that, it runs on the JDK until the allocator is installed.
     */
    static final long START_WAIT_MILLIS = 5_000;
    /** Valid until a backend is installed; sites linked before then switch from the JDK to hakmem when it is invalidated. */
    private static final SwitchPoint NOT_INSTALLED = new SwitchPoint();
    /** Counted down when a backend is installed or the agent gives up starting one. */
    private static final CountDownLatch SETTLED = new CountDownLatch(1);
    private static volatile HakmemBackend installed;
    /** The agent's start-up thread, which must never wait for itself (with jdk=true it runs rewritten JDK code). */
    private static volatile Thread starter;

    protected HakmemBackend() {
    }

    /** Package-private, as every method here that changes state: reached through the agent's lookup only. */
    static void starting(Thread startUpThread) {
        starter = startUpThread;
    }

    /** Called once by the agent's start-up thread, which creates the allocator off the premain path. */
    static void install(HakmemBackend backend) {
        installed = backend;
        SwitchPoint.invalidateAll(new SwitchPoint[] {NOT_INSTALLED});
        SETTLED.countDown();
    }

    /** The agent could not install a backend: every call site stays with the JDK. */
    static void abandon() {
        SETTLED.countDown();
    }

    /** The installed backend; {@link HakmemBridge} is initialised only after there is one. */
    static HakmemBackend installed() {
        return installed;
    }

    /**
     * For {@link HakmemLinker}: the backend, after waiting for it at most {@link #START_WAIT_MILLIS}
     * if the agent is starting one (not on the agent's start-up thread itself); null if it is not
     * installed by then.
     */
    static HakmemBackend awaitInstalled() {
        Thread startUp = starter;
        if (installed == null && startUp != null && Thread.currentThread() != startUp) {
            awaitSettled();
        }
        return installed;
    }

    /**
     * For {@link HakmemLinker}, for a site linked before the backend was installed: the JDK's method
     * until it is installed, hakmem's after; the JDK's for good if the agent gave up.
     */
    static MethodHandle onceInstalled(MethodHandle jdk, MethodHandle hakmem) {
        return installed != null ? hakmem : SETTLED.getCount() == 0 ? jdk : NOT_INSTALLED.guardWithTest(jdk, hakmem);
    }

    private static void awaitSettled() {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_WAIT_MILLIS);
        try {
            while (true) {
                try {
                    SETTLED.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Grants native access to a module of the layer the agent builds for hakmem, so that its allocator
     * can map memory with mmap. {@code Controller.enableNativeAccess} is restricted: called from the
     * agent's own code (the application's unnamed module) it would warn, or grant the application
     * native access too. Package-private: only the agent reaches it, through the lookup that
     * defined this class.
     */
    static void enableNativeAccess(ModuleLayer.Controller controller, Module module) {
        controller.enableNativeAccess(module);
    }

    /** The JDK's direct-memory limit: {@code -XX:MaxDirectMemorySize}, else the maximum heap size. */
    public static long jdkMaxDirectMemory() {
        return jdk.internal.misc.VM.maxDirectMemory();
    }

    /** Direct buffers up to this capacity are zeroed by the bridge; larger ones by {@link #reserveDirect}. */
    public static final int BRIDGE_ZEROES_UP_TO = 1 << 20;

    /**
     * Memory for a direct buffer: at least {@code Math.max(capacity, 1)} bytes, counted against the
     * direct-memory limit; zeroed if {@code capacity > BRIDGE_ZEROES_UP_TO} (where a fresh mapping needs
     * no zeroing), else the bridge zeroes it (with plain 8-byte stores: cheaper than the JDK's
     * {@code setMemory}, and than a segment's fill for small buffers).
     *
     * @return the address, or 0 if the limit stops it (the bridge then lets pending releases run and retries)
     */
    public abstract long reserveDirect(int capacity, int site);

    /** Gives back what {@link #reserveDirect} handed out. Never throws. */
    public abstract void releaseDirect(long address, int capacity);

    /**
     * Observe mode: a direct buffer of the JDK's memory was handed to {@code site}.
     *
     * @return the id its release is to be counted under: {@code site}, or a call path of it
     */
    public abstract int observeDirect(int capacity, int site);

    /** Observe mode: that buffer's memory went back to the JDK. Runs on the Reference Handler: never throws. */
    public abstract void observeDirectRelease(int capacity, int site);

    /** @return true in replace mode (hakmem serves), false in observe mode (the JDK serves) */
    public abstract boolean replaces();

    /** Called once per {@code System.gc()} the bridge forces when the limit is reached. */
    public abstract void countForcedGc();

    /** The error that ends a direct-buffer request the limit stopped even after GC and back-off. */
    public abstract OutOfMemoryError directLimitError(int capacity, int site);

    /** {@code Unsafe.allocateMemory} semantics: 0 for 0, {@code IllegalArgumentException} for negative sizes. */
    public abstract long allocateMemory(long bytes, int site);

    /** @return true if hakmem owns {@code address} (a block, or inside one) */
    public abstract boolean owns(long address);

    /** {@code Unsafe.reallocateMemory} for 0 or an address {@link #owns owned} by hakmem. */
    public abstract long reallocateMemory(long address, long bytes, int site);

    /**
     * {@code Unsafe.freeMemory}: frees the block if hakmem owns {@code address}; reports a double free
     * (and goes on).
     *
     * @return false if hakmem does not own {@code address}: the JDK must free it
     */
    public abstract boolean freeMemory(long address, int site);

    /** Observe mode: the JDK allocated (or reallocated) {@code address}; {@code oldAddress} is 0 for a new block. */
    public abstract void observeMemory(long oldAddress, long address, long bytes, int site);

    /** Observe mode: the JDK is about to free {@code address}. */
    public abstract void observeFree(long address, int site);

    /**
     * The site of a native segment being allocated on this thread, found from the calling stack (the
     * JDK's funnel has no call site of the application's).
     */
    public abstract int segmentSite(long bytes);
}
