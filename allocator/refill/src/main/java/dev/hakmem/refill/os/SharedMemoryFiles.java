package dev.hakmem.refill.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Shared mappings of unlinked files in a tmpfs ({@code /dev/shm}), one file per mapping, through
 * {@code FileChannel.map}: no restricted method, so no native-access warning.
 *
 * <p>Why this shape (measured, see the module README): a {@code MAP_SHARED} page of a tmpfs file
 * is the file's own page, so a written page costs one page, committed on first touch; a
 * {@code MAP_PRIVATE} mapping would cost two (tmpfs fills the hole, then the write copies it).
 * The file is unlinked and its channel closed as soon as the mapping exists, so when the mapping's
 * arena is closed the kernel frees every page: nothing outlives the mapping, nothing is left on disk.
 *
 * <p>A full tmpfs turns a write fault into SIGBUS, so a mapping is only made while the file store
 * has room for {@link #HEADROOM_FACTOR} times it plus {@link #HEADROOM_BYTES}; otherwise
 * {@link #map} returns null and the caller uses another route. This is a check, not a reservation:
 * another process filling the same tmpfs at the same moment can still exhaust it.
 */
final class SharedMemoryFiles {
    static final long HEADROOM_BYTES = 64L << 20;
    static final int HEADROOM_FACTOR = 2;

    private final Path directory;
    private final FileStore store;

    private SharedMemoryFiles(Path directory, FileStore store) {
        this.directory = directory;
        this.store = store;
    }

    /** @return the route over {@code /dev/shm}, or null if there is no writable tmpfs there */
    static SharedMemoryFiles open() {
        Path dir = Path.of("/dev/shm");
        try {
            if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
                return null;
            }
            FileStore store = Files.getFileStore(dir);
            return "tmpfs".equals(store.type()) ? new SharedMemoryFiles(dir, store) : null;
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** @return a mapping of {@code bytes} (aligned), or null if the tmpfs lacks room or refuses */
    Mapping map(long bytes) {
        long reserved = bytes + OsMemory.ALIGNMENT;
        try {
            if (store.getUsableSpace() < HEADROOM_FACTOR * reserved + HEADROOM_BYTES) {
                return null;
            }
            Path file = Files.createTempFile(directory, "hakmem-", ".map");
            Arena arena = Arena.ofShared();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                Files.delete(file);
                // READ_WRITE mapping extends the file as a hole; the mapping outlives the channel
                MemorySegment raw = channel.map(FileChannel.MapMode.READ_WRITE, 0, reserved, arena);
                long skip = ((raw.address() + OsMemory.ALIGNMENT - 1) & -OsMemory.ALIGNMENT) - raw.address();
                return new Mapping(raw.asSlice(skip, bytes), arena);
            } catch (IOException | RuntimeException e) {
                arena.close();
                Files.deleteIfExists(file);
                return null;
            }
        } catch (IOException e) {
            return null;
        }
    }
}
