package dev.hakmem.refill;

/** How chunks are obtained from the OS; see {@code dev.hakmem.refill.os.OsMemory}. */
public enum MemoryRoute {
    /** {@link #MMAP} when native access is enabled for hakmem's module, else {@link #SHM}: never a warning. */
    AUTO,
    /** mmap/munmap downcalls: fastest first touch; a restricted method, so it needs native access. */
    MMAP,
    /** shared mappings of unlinked /dev/shm files while it has room, then {@link #ARENA}: no restricted call. */
    SHM,
    /** {@code Arena.ofShared().allocate}: committed at once, not always given back; no restricted call. */
    ARENA
}
