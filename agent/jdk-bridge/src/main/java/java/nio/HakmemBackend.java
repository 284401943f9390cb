package java.nio;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What {@link HakmemBridge} asks of hakmem. Defined inside {@code java.base} by the hakmem agent, so
 * that the bridge, which every class loader can see, can call into hakmem's module layer, which only
 * the agent can see. The agent installs exactly one implementation before the first rewritten call
 * site runs.
 *
 * <p>Contract for implementations: the {@code release*} methods never throw (they run on the JDK's
 * Reference Handler thread, where an exception ends the process).
 */
public abstract class HakmemBackend {
    /** How long a first rewritten call waits for the agent's start-up thread before going on without hakmem. */
    private static final long START_TIMEOUT_SECONDS = 60;
    private static final CountDownLatch INSTALLED = new CountDownLatch(1);
    private static volatile HakmemBackend installed;

    protected HakmemBackend() {
    }

    /**
     * Called once by the agent's start-up thread, which creates the allocator off the premain path
     * (it costs tens of milliseconds). Package-private: reached through the agent's lookup only.
     */
    static void install(HakmemBackend backend) {
        installed = backend;
        INSTALLED.countDown();
    }

    /**
     * The backend, for {@link HakmemBridge}'s initialiser: a rewritten call that runs before the agent
     * has finished starting waits here, once, by class-initialisation rules. If the agent never
     * finishes, the JDK serves and nothing is attributed.
     */
    static HakmemBackend awaitInstalled() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (INSTALLED.await(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                        return installed;
                    }
                    System.getLogger("dev.hakmem.agent").log(System.Logger.Level.WARNING,
                            "hakmem: the agent did not finish starting in " + START_TIMEOUT_SECONDS
                                    + " s; the JDK allocates direct memory for this JVM");
                    return new Unattributed();
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

    /** Observe mode: a direct buffer of the JDK's memory was handed to {@code site}. */
    public abstract void observeDirect(int capacity, int site);

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

    /** The JDK serves, nothing is counted: for a JVM where the agent could not start. */
    static final class Unattributed extends HakmemBackend {
        @Override
        public long reserveDirect(int capacity, int site) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void releaseDirect(long address, int capacity) {
        }

        @Override
        public void observeDirect(int capacity, int site) {
        }

        @Override
        public void observeDirectRelease(int capacity, int site) {
        }

        @Override
        public boolean replaces() {
            return false;
        }

        @Override
        public void countForcedGc() {
        }

        @Override
        public OutOfMemoryError directLimitError(int capacity, int site) {
            return new OutOfMemoryError("Cannot reserve " + capacity + " bytes of direct buffer memory");
        }

        @Override
        public long allocateMemory(long bytes, int site) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean owns(long address) {
            return false;
        }

        @Override
        public long reallocateMemory(long address, long bytes, int site) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean freeMemory(long address, int site) {
            return false;
        }

        @Override
        public void observeMemory(long oldAddress, long address, long bytes, int site) {
        }

        @Override
        public void observeFree(long address, int site) {
        }
    }
}
