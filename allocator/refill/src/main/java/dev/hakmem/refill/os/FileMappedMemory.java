package dev.hakmem.refill.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Private ({@code MAP_PRIVATE}) mappings of a sparse, already-unlinked file. A private mapping of a
 * hole reads as zeros and turns into anonymous memory on first write; closing the mapping's arena
 * unmaps it, so RSS falls. No restricted method is involved, so no native-access warning.
 *
 * <p>The file lives in {@code /dev/shm} when it can (no disk blocks are ever written: every written
 * page is a private copy), else in {@code java.io.tmpdir}. It only ever grows, and only as a hole.
 */
final class FileMappedMemory implements OsMemory {
    private final FileChannel channel;
    private long fileSize;

    private FileMappedMemory(FileChannel channel) {
        this.channel = channel;
    }

    static FileMappedMemory open() {
        Path dir = Path.of("/dev/shm");
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            dir = Path.of(System.getProperty("java.io.tmpdir"));
        }
        try {
            Path file = Files.createTempFile(dir, "hakmem-", ".map");
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Files.delete(file); // the open channel keeps the inode; nothing is left behind on exit
            return new FileMappedMemory(channel);
        } catch (IOException e) {
            throw new UncheckedIOException("hakmem: cannot create the backing file for mappings in " + dir, e);
        }
    }

    @Override
    public synchronized Mapping map(long bytes) {
        long reserved = bytes + ALIGNMENT;
        try {
            growFileTo(reserved);
            Arena arena = Arena.ofShared();
            MemorySegment raw = channel.map(FileChannel.MapMode.PRIVATE, 0, reserved, arena);
            long skip = ((raw.address() + ALIGNMENT - 1) & -ALIGNMENT) - raw.address();
            return new Mapping(raw.asSlice(skip, bytes), arena);
        } catch (IOException e) {
            OutOfMemoryError oom = new OutOfMemoryError("hakmem: mapping " + reserved + " bytes failed: " + e.getMessage());
            oom.initCause(e);
            throw oom;
        }
    }

    private void growFileTo(long size) throws IOException {
        if (size > fileSize) {
            channel.write(ByteBuffer.wrap(new byte[1]), size - 1); // extends as a hole
            fileSize = size;
        }
    }

    @Override
    public void unmap(Mapping mapping) {
        ((Arena) mapping.handle()).close();
    }

    @Override
    public String name() {
        return "file";
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
