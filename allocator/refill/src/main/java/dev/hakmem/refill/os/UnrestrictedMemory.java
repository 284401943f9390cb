package dev.hakmem.refill.os;

import java.lang.foreign.Arena;

/**
 * The route that needs no native access: shared tmpfs mappings while {@code /dev/shm} has room,
 * else arena memory. Each mapping remembers its arena, so unmapping does not care which it was.
 */
final class UnrestrictedMemory implements OsMemory {
    private final SharedMemoryFiles shm;
    private final boolean shmOnly;

    UnrestrictedMemory(SharedMemoryFiles shm, boolean shmOnly) {
        this.shm = shm;
        this.shmOnly = shmOnly;
    }

    @Override
    public Mapping map(long bytes) {
        Mapping mapping = shm == null ? null : shm.map(bytes);
        if (mapping != null) {
            return mapping;
        }
        if (shmOnly) {
            throw new OutOfMemoryError("hakmem: /dev/shm has no room for a mapping of " + bytes + " bytes");
        }
        return ArenaMemory.map(bytes);
    }

    @Override
    public void unmap(Mapping mapping) {
        ((Arena) mapping.handle()).close();
    }

    @Override
    public String name() {
        return shm == null ? "arena" : shmOnly ? "shm" : "shm+arena";
    }

    @Override
    public void close() {
    }
}
