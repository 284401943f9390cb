package dev.hakmem.refill;

/** How chunks are obtained from the OS; see {@code dev.hakmem.refill.os.OsMemory}. */
public enum MemoryRoute {
    /** {@link #MMAP} when native access is enabled for hakmem's module, else {@link #FILE}: never a warning. */
    AUTO,
    /** mmap/munmap downcalls: fastest first touch; a restricted method, so it needs native access. */
    MMAP,
    /** private mappings of a sparse unlinked file: no restricted call; slower first touch. */
    FILE
}
