package java.nio;

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
    /** Read once by {@link HakmemBridge}'s initialiser; set by the agent before that. */
    static HakmemBackend installed;

    protected HakmemBackend() {
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

    /**
     * Memory for a direct buffer: zeroed, at least {@code Math.max(capacity, 1)} bytes, counted against
     * the direct-memory limit.
     *
     * @return the address, or 0 if the limit stops it (the bridge then lets pending releases run and retries)
     */
    public abstract long reserveDirect(int capacity, int site);

    /** Gives back what {@link #reserveDirect} handed out. Never throws. */
    public abstract void releaseDirect(long address, int capacity);

    /** Observe mode: a JDK-allocated direct buffer was handed to {@code site}. */
    public abstract void observeDirect(ByteBuffer buffer, int site);

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

    /** {@code Unsafe.freeMemory} of an address {@link #owns owned} by hakmem. Reports a double free; never throws for it. */
    public abstract void freeMemory(long address, int site);

    /** Observe mode: the JDK allocated (or reallocated) {@code address}; {@code oldAddress} is 0 for a new block. */
    public abstract void observeMemory(long oldAddress, long address, long bytes, int site);

    /** Observe mode: the JDK is about to free {@code address}. */
    public abstract void observeFree(long address, int site);
}
