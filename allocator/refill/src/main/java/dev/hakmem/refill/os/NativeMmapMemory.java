package dev.hakmem.refill.os;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Anonymous private mappings through {@code mmap}/{@code munmap} downcalls (Linux). A retained
 * mapping is remapped in place as {@code PROT_NONE} with {@code MAP_NORESERVE}: its pages go back to
 * the kernel, its addresses stay taken. Free pages inside a mapping that stays go back with
 * {@code madvise(MADV_DONTNEED)}: on a private anonymous mapping the next touch reads zeros.
 */
final class NativeMmapMemory implements OsMemory {
    private static final int PROT_NONE = 0x0;
    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_FIXED = 0x10;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final long MAP_FAILED = -1L;
    private static final int MADV_DONTNEED = 4;

    private final MethodHandle mmap;
    private final MethodHandle munmap;
    private final MethodHandle madvise;
    /** The kernel's page size ({@code getpagesize()}): what {@code madvise} rounds a length up to. */
    private final long pageSize;

    NativeMmapMemory() {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        MethodHandle getpagesize = linker.downcallHandle(libc.find("getpagesize").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        int page;
        try {
            page = (int) getpagesize.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("getpagesize downcall failed", t);
        }
        // a page size that does not divide the granule would let a purge round past its range: purge by granules then
        pageSize = page > 0 && Integer.bitCount(page) == 1 && page <= ALIGNMENT ? page : ALIGNMENT;
    }

    @Override
    public Mapping map(long bytes) {
        // over-map by one granule less a page, so an aligned range of `bytes` fits; the slack is never touched
        long reserved = bytes + ALIGNMENT;
        long raw;
        try {
            raw = (long) mmap.invokeExact(0L, reserved, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap downcall failed", t);
        }
        if (raw == MAP_FAILED || raw == 0) {
            throw new OutOfMemoryError("hakmem: mmap of " + reserved + " bytes failed");
        }
        long aligned = (raw + ALIGNMENT - 1) & -ALIGNMENT;
        MemorySegment segment = MemorySegment.ofAddress(aligned).reinterpret(bytes);
        return new Mapping(segment, new long[] {raw, reserved});
    }

    @Override
    public void unmap(Mapping mapping) {
        long[] range = (long[]) mapping.handle();
        try {
            int rc = (int) munmap.invokeExact(range[0], range[1]);
            if (rc != 0) {
                throw new IllegalStateException("munmap(" + Long.toHexString(range[0]) + ", " + range[1] + ") returned " + rc);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("munmap downcall failed", t);
        }
    }

    @Override
    public boolean retain(Mapping mapping) {
        remapInPlace(mapping, PROT_NONE);
        return true;
    }

    @Override
    public void revive(Mapping mapping) {
        remapInPlace(mapping, PROT_READ | PROT_WRITE);
    }

    @Override
    public boolean purge(Mapping mapping, long offset, long bytes) {
        if (offset < 0 || bytes <= 0 || offset + bytes > mapping.byteSize() || ((offset | bytes) & (pageSize - 1)) != 0) {
            throw new IllegalArgumentException("purge of " + bytes + " bytes at offset " + offset
                    + " is not a whole number of " + pageSize + "-byte OS pages inside a mapping of " + mapping.byteSize());
        }
        int rc;
        try {
            rc = (int) madvise.invokeExact(mapping.address() + offset, bytes, MADV_DONTNEED);
        } catch (Throwable t) {
            throw new IllegalStateException("madvise downcall failed", t);
        }
        if (rc != 0) {
            throw new IllegalStateException("madvise(0x" + Long.toHexString(mapping.address() + offset) + ", " + bytes
                    + ", MADV_DONTNEED) returned " + rc);
        }
        return true;
    }

    @Override
    public boolean purges() {
        return true;
    }

    @Override
    public long purgeGranule() {
        return pageSize;
    }

    /** A fresh anonymous mapping over the same range: the old pages are dropped, the addresses kept. */
    private void remapInPlace(Mapping mapping, int protection) {
        long[] range = (long[]) mapping.handle();
        long raw;
        try {
            raw = (long) mmap.invokeExact(range[0], range[1], protection,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap downcall failed", t);
        }
        if (raw != range[0]) {
            throw new OutOfMemoryError("hakmem: remapping " + range[1] + " bytes at 0x" + Long.toHexString(range[0])
                    + " failed (mmap returned 0x" + Long.toHexString(raw) + ")");
        }
    }

    @Override
    public String name() {
        return "mmap";
    }

    @Override
    public void close() {
    }
}
