package java.nio;

import jdk.internal.access.JavaLangRefAccess;
import jdk.internal.access.SharedSecrets;
import jdk.internal.misc.Unsafe;

import java.util.Objects;

/**
 * The target of the call sites the hakmem agent rewrites. {@code ByteBuffer.allocateDirect(cap)}
 * becomes {@code HakmemBridge.allocateDirect(cap, siteId)}; {@code unsafe.allocateMemory(n)} becomes
 * {@code HakmemBridge.allocateMemory(unsafe, n, siteId)}, and so on. The agent defines this class inside
 * {@code java.base}, so that rewritten classes of every class loader resolve it, and so that it can
 * build genuine direct buffers and pass foreign addresses to the JDK's own allocator without
 * {@code sun.misc.Unsafe} (no JEP 498 warning, and it works under {@code --sun-misc-unsafe-memory-access=deny}).
 *
 * <p>The receiver of a rewritten {@code Unsafe} call comes first, as {@code Object}, because
 * {@code java.base} cannot name {@code sun.misc.Unsafe}; it is only checked for null, as the original
 * call would.
 */
public final class HakmemBridge {
    private static final HakmemBackend BACKEND = HakmemBackend.awaitInstalled();
    private static final boolean REPLACES = BACKEND.replaces();
    private static final Unsafe JDK = Unsafe.getUnsafe();
    /** As {@code java.nio.Bits}: about 0.5 s of back-off in all before giving up. */
    private static final int MAX_SLEEPS = 9;

    private HakmemBridge() {
    }

    public static ByteBuffer allocateDirect(int capacity, int site) {
        if (!REPLACES || capacity < 0) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(capacity);
            if (!REPLACES) {
                BACKEND.observeDirect(buffer, site);
            }
            return buffer;
        }
        long address = BACKEND.reserveDirect(capacity, site);
        if (address == 0) {
            address = reserveAfterReleases(capacity, site);
        }
        try {
            if (capacity <= HakmemBackend.BRIDGE_ZEROES_UP_TO) {
                JDK.setMemory(address, capacity, (byte) 0);
            }
            return new DirectByteBuffer(capacity, address, null, new HakmemRelease(BACKEND, address, capacity), false, null);
        } catch (Throwable t) {
            BACKEND.releaseDirect(address, capacity);
            throw t;
        }
    }

    /**
     * What {@code java.nio.Bits.reserveMemory} does when the limit is reached: let the Reference
     * Handler run pending releases, then {@code System.gc()}, then retry with exponential back-off.
     */
    private static long reserveAfterReleases(int capacity, int site) {
        JavaLangRefAccess references = SharedSecrets.getJavaLangRefAccess();
        boolean interrupted = false;
        try {
            boolean releasesPending;
            do {
                try {
                    releasesPending = references.waitForReferenceProcessing();
                } catch (InterruptedException e) {
                    interrupted = true;
                    releasesPending = true;
                }
                long address = BACKEND.reserveDirect(capacity, site);
                if (address != 0) {
                    return address;
                }
            } while (releasesPending);

            BACKEND.countForcedGc();
            System.gc();

            long sleepMillis = 1;
            int sleeps = 0;
            while (true) {
                long address = BACKEND.reserveDirect(capacity, site);
                if (address != 0) {
                    return address;
                }
                if (sleeps >= MAX_SLEEPS) {
                    throw BACKEND.directLimitError(capacity, site);
                }
                try {
                    if (!references.waitForReferenceProcessing()) {
                        Thread.sleep(sleepMillis);
                        sleepMillis <<= 1;
                        sleeps++;
                    }
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

    public static long allocateMemory(Object unsafe, long bytes, int site) {
        Objects.requireNonNull(unsafe);
        if (REPLACES) {
            return BACKEND.allocateMemory(bytes, site);
        }
        long address = JDK.allocateMemory(bytes);
        BACKEND.observeMemory(0, address, bytes, site);
        return address;
    }

    public static long reallocateMemory(Object unsafe, long address, long bytes, int site) {
        Objects.requireNonNull(unsafe);
        if (REPLACES && (address == 0 || BACKEND.owns(address))) {
            return BACKEND.reallocateMemory(address, bytes, site);
        }
        long moved = JDK.reallocateMemory(address, bytes);
        if (!REPLACES) {
            BACKEND.observeMemory(address, moved, bytes, site);
        }
        return moved;
    }

    public static void freeMemory(Object unsafe, long address, int site) {
        Objects.requireNonNull(unsafe);
        if (REPLACES && BACKEND.freeMemory(address, site)) {
            return;
        }
        if (!REPLACES) {
            BACKEND.observeFree(address, site);
        }
        JDK.freeMemory(address);
    }

    public static void invokeCleaner(Object unsafe, ByteBuffer buffer, int site) {
        Objects.requireNonNull(unsafe);
        JDK.invokeCleaner(buffer);
    }
}
