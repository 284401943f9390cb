package dev.hakmem.refill.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Memory from {@code Arena.ofShared().allocate}: always available and unrestricted, but the JDK
 * zeroes (so commits) the whole range at once, and glibc may keep a freed block below its mmap
 * threshold (up to 32 MiB) in its heap instead of unmapping it. The last resort.
 */
final class ArenaMemory {
    private ArenaMemory() {
    }

    static Mapping map(long bytes) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment raw = arena.allocate(bytes + OsMemory.ALIGNMENT, 16);
            long skip = ((raw.address() + OsMemory.ALIGNMENT - 1) & -OsMemory.ALIGNMENT) - raw.address();
            return new Mapping(raw.asSlice(skip, bytes), arena);
        } catch (OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }
}
