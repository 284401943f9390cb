package java.nio;

import jdk.internal.access.JavaLangRefAccess;
import jdk.internal.access.SharedSecrets;
import jdk.internal.misc.Unsafe;
import sun.nio.ch.DirectBuffer;

import java.lang.invoke.MethodHandle;
import java.util.Objects;

/**
 * What the call sites the hakmem agent rewrote run, once the allocator is installed: hakmem's memory
 * in replace mode, the JDK's with attribution in observe mode. Reached only through the call sites
 * {@link HakmemLinker} links (nothing here is public): {@code ByteBuffer.allocateDirect(cap)} runs
 * {@code allocateDirect(cap, site)}, {@code unsafe.freeMemory(a)} runs {@code freeMemory(jdk, unsafe, a, site)},
 * where {@code jdk} is the JDK method the site called before, bound at link time.
 *
 * <p>Living in {@code java.base} lets the bridge build genuine direct buffers over hakmem's memory,
 * with no {@code sun.misc.Unsafe} and so no JEP 498 warning for what hakmem serves. Whatever hakmem
 * does not own (an address the JDK allocated, a buffer hakmem did not make) goes to {@code jdk}, the
 * caller's own {@code Unsafe} method ({@code sun.misc}'s, or the internal one its module was given): it
 * fails, warns or works exactly as the original call would, also under {@code --sun-misc-unsafe-memory-access=deny}.
 *
 * <p>Initialised only after the agent has installed a backend ({@link HakmemBackend#onceInstalled}).
 */
final class HakmemBridge {
    private static final HakmemBackend BACKEND = HakmemBackend.installed();
    private static final boolean REPLACES = BACKEND.replaces();
    private static final Unsafe JDK = Unsafe.getUnsafe();
    /** As {@code java.nio.Bits}: about 0.5 s of back-off in all before giving up. */
    private static final int MAX_SLEEPS = 9;

    private HakmemBridge() {
    }

    static ByteBuffer allocateDirect(int capacity, int site) {
        if (!REPLACES || capacity < 0) {
            return capacity >= 0 ? observedDirect(capacity, site) : ByteBuffer.allocateDirect(capacity);
        }
        long address = BACKEND.reserveDirect(capacity, site);
        if (address == 0) {
            address = reserveAfterReleases(capacity, site);
        }
        try {
            if (capacity <= HakmemBackend.BRIDGE_ZEROES_UP_TO) {
                zero(address, capacity);
            }
            return new DirectByteBuffer(capacity, address, null, new HakmemRelease(BACKEND, address, capacity), false, null);
        } catch (Throwable t) {
            BACKEND.releaseDirect(address, capacity);
            throw t;
        }
    }

    /**
     * Observe mode: what the JDK's {@code DirectByteBuffer(int)} does (the JDK's limit and its "direct"
     * pool through {@code Bits}, its malloc, zeroing, page alignment if asked for), with a release that
     * also tells the backend. The buffer's own cleaner is the only one: a second registration per
     * buffer to see it freed would double the GC's reference work.
     */
    private static ByteBuffer observedDirect(int capacity, int site) {
        boolean pageAligned = jdk.internal.misc.VM.isDirectMemoryPageAligned();
        int pageSize = Bits.pageSize();
        long size = Math.max(1L, (long) capacity + (pageAligned ? pageSize : 0));
        Bits.reserveMemory(size, capacity);
        long base;
        try {
            base = JDK.allocateMemory(size);
        } catch (OutOfMemoryError e) {
            Bits.unreserveMemory(size, capacity);
            throw e;
        }
        zero(base, (int) size); // at most a capacity and a page
        long address = pageAligned && base % pageSize != 0 ? base + pageSize - (base & (pageSize - 1)) : base;
        int counted = 0;
        try {
            counted = BACKEND.observeDirect(capacity, site); // the site, or the call path it was sampled on
            return new DirectByteBuffer(capacity, address, null, new ObservedRelease(BACKEND, base, size, capacity, counted), false, null);
        } catch (Throwable t) {
            if (counted != 0) {
                BACKEND.observeDirectRelease(capacity, counted);
            }
            JDK.freeMemory(base);
            Bits.unreserveMemory(size, capacity);
            throw t;
        }
    }

    /**
     * Fills {@code bytes} at {@code address} with zeros in 8-byte stores, which C2 unrolls and
     * vectorises: on JDK 25 {@code Unsafe.setMemory} is far slower for kilobytes (the {@code Zeroing}
     * benchmark: 148 against 51 ns at 8 KiB; through the agent, {@code allocateDirect} +
     * {@code invokeCleaner} went from 236 to about 125 ns at 8 KiB). Blocks are 16-byte aligned, so
     * the stores are too.
     */
    private static void zero(long address, int bytes) {
        int words = bytes & ~7; // an int counter: C2 unrolls and vectorises counted int loops best
        for (int offset = 0; offset < words; offset += 8) {
            JDK.putLong(address + offset, 0L);
        }
        for (int offset = words; offset < bytes; offset++) {
            JDK.putByte(address + offset, (byte) 0);
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

    /** Observe mode, after the JDK's {@code allocateMemory} (see {@code HakmemLinker.observing}). */
    static long observedAllocation(long address, Object unsafe, long bytes, int site) {
        BACKEND.observeMemory(0, address, bytes, site);
        return address;
    }

    /** Observe mode, after the JDK's {@code reallocateMemory}. */
    static long observedReallocation(long moved, Object unsafe, long address, long bytes, int site) {
        BACKEND.observeMemory(address, moved, bytes, site);
        return moved;
    }

    /** Observe mode, after the JDK's funnel allocated a native segment: attributed by the calling stack. */
    static long observedSegment(long address, Object unsafe, long bytes, int site) {
        BACKEND.observeMemory(0, address, bytes, BACKEND.segmentSite(bytes));
        return address;
    }

    /**
     * The JDK's native-segment funnel ({@code jdk.internal.foreign.SegmentFactories}) asks for memory
     * with the internal {@code Unsafe}: hakmem serves it, attributed by the calling stack. Its size is
     * never 0 (the funnel asks for at least a byte) and its alignment is the funnel's business (it
     * over-allocates beyond 16 bytes, which hakmem's blocks meet).
     */
    static long allocateSegment(MethodHandle jdk, Object unsafe, long bytes, int site) throws Throwable {
        if (REPLACES) {
            return BACKEND.allocateMemory(bytes, BACKEND.segmentSite(bytes));
        }
        return observedSegment((long) jdk.invokeExact(unsafe, bytes), unsafe, bytes, site);
    }

    /** The funnel's free: hakmem's block if it owns it, else the JDK's own free. */
    static void freeSegment(MethodHandle jdk, Object unsafe, long address, int site) throws Throwable {
        freeMemory(jdk, unsafe, address, site);
    }

    /** Observe mode, before the JDK's {@code freeMemory}. */
    static void observedFree(Object unsafe, long address, int site) {
        BACKEND.observeFree(address, site);
    }

    static long allocateMemory(MethodHandle jdk, Object unsafe, long bytes, int site) throws Throwable {
        if (REPLACES) {
            Objects.requireNonNull(unsafe); // the original call's null check on its receiver
            return BACKEND.allocateMemory(bytes, site);
        }
        long address = (long) jdk.invokeExact(unsafe, bytes);
        BACKEND.observeMemory(0, address, bytes, site);
        return address;
    }

    static long reallocateMemory(MethodHandle jdk, Object unsafe, long address, long bytes, int site) throws Throwable {
        if (REPLACES && (address == 0 || BACKEND.owns(address))) {
            Objects.requireNonNull(unsafe);
            return BACKEND.reallocateMemory(address, bytes, site);
        }
        long moved = (long) jdk.invokeExact(unsafe, address, bytes);
        if (!REPLACES) {
            BACKEND.observeMemory(address, moved, bytes, site);
        }
        return moved;
    }

    static void freeMemory(MethodHandle jdk, Object unsafe, long address, int site) throws Throwable {
        if (REPLACES) {
            Objects.requireNonNull(unsafe);
            if (BACKEND.freeMemory(address, site)) {
                return;
            }
        } else {
            BACKEND.observeFree(address, site);
        }
        jdk.invokeExact(unsafe, address);
    }

    /**
     * A buffer hakmem made is released through its cleaner at once (its release gives the block
     * back); any other buffer, and a slice or duplicate of one, goes to the caller's own
     * {@code invokeCleaner}, which throws, warns or cleans as the JDK does.
     */
    static void invokeCleaner(MethodHandle jdk, Object unsafe, ByteBuffer buffer, int site) throws Throwable {
        if (REPLACES && buffer instanceof DirectBuffer direct && direct.attachment() == null
                && direct.cleaner() != null && BACKEND.owns(direct.address())) {
            Objects.requireNonNull(unsafe);
            JDK.invokeCleaner(buffer);
            return;
        }
        jdk.invokeExact(unsafe, buffer);
    }
}
