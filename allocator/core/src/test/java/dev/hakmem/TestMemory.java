package dev.hakmem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading and writing raw blocks, and the process's resident set, for the allocator tests. */
final class TestMemory {
    private static final long PAGE = 4096;

    private TestMemory() {
    }

    static MemorySegment at(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    /** Fills {@code size} bytes at {@code address} with {@code value}. */
    static void fill(long address, long size, byte value) {
        at(address, size).fill(value);
    }

    /** @return the offset of the first byte that is not {@code value}, or -1 if all are */
    static long firstMismatch(long address, long size, byte value) {
        MemorySegment block = at(address, size);
        long i = 0;
        if (size >= 8) {
            long word = (value & 0xFFL) * 0x0101010101010101L;
            for (; i + 8 <= size; i += 8) {
                if (block.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != word) {
                    break;
                }
            }
        }
        for (; i < size; i++) {
            if (block.get(ValueLayout.JAVA_BYTE, i) != value) {
                return i;
            }
        }
        return -1;
    }

    /** Writes one byte per 4 KiB page, so every page of the block is resident. */
    static void touchPages(long address, long size) {
        MemorySegment block = at(address, size);
        for (long i = 0; i < size; i += PAGE) {
            block.set(ValueLayout.JAVA_BYTE, i, (byte) 1);
        }
        block.set(ValueLayout.JAVA_BYTE, size - 1, (byte) 1);
    }

    static void putLong(long address, long offset, long value) {
        MemorySegment.ofAddress(address).reinterpret(offset + 8).set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
    }

    static long getLong(long address, long offset) {
        return MemorySegment.ofAddress(address).reinterpret(offset + 8).get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
    }

    /** The process's resident set (VmRSS of /proc/self/status), in bytes. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring("VmRSS:".length()).trim().split("\\s+")[0];
                    return Long.parseLong(kb) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS line in /proc/self/status");
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
