package dev.hakmem.benchmarks.rss;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The measurement behind allocator/README's table of memory routes: 256 MiB in 8 MiB mappings, every
 * page written, then all unmapped, for each way of getting memory without a restricted method.
 * Prints map+touch time, RSS and the machine's Shmem before, while mapped and after.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.hakmem.benchmarks.rss.MappingRouteProbe arena|arena-after-free|private|shared</pre>
 * Run each route in a fresh JVM: glibc's heap state after one route would colour the next.
 */
public final class MappingRouteProbe {
    private static final long MAPPING = 8L << 20;
    private static final int MAPPINGS = 32;

    private MappingRouteProbe() {
    }

    public static void main(String[] args) throws IOException {
        String route = args.length > 0 ? args[0] : "shared";
        if (route.equals("arena-after-free")) {
            // one mapping made and freed first: glibc then raises its mmap threshold to 8 MiB
            try (Arena first = Arena.ofShared()) {
                first.allocate(MAPPING, 16);
            }
        }
        String before = memory();
        List<Arena> arenas = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < MAPPINGS; i++) {
            Arena arena = Arena.ofShared();
            MemorySegment segment = switch (route) {
                case "arena", "arena-after-free" -> arena.allocate(MAPPING, 16);
                case "private" -> mapFile(arena, FileChannel.MapMode.PRIVATE);
                case "shared" -> mapFile(arena, FileChannel.MapMode.READ_WRITE);
                default -> throw new IllegalArgumentException("route must be arena, arena-after-free, private or shared: " + route);
            };
            arenas.add(arena);
            for (long offset = 0; offset < MAPPING; offset += 4096) {
                segment.set(ValueLayout.JAVA_BYTE, offset, (byte) 1);
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        String mapped = memory();
        arenas.forEach(Arena::close);
        System.out.printf("route=%s mapAndTouchMs=%d%n  before: %s%n  mapped: %s%n  after:  %s%n",
                route, millis, before, mapped, memory());
    }

    /** One unlinked /dev/shm file per mapping, as hakmem's shm route does (private: the rejected variant). */
    private static MemorySegment mapFile(Arena arena, FileChannel.MapMode mode) throws IOException {
        Path file = Files.createTempFile(Path.of("/dev/shm"), "probe-", ".map");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Files.delete(file);
            if (mode == FileChannel.MapMode.PRIVATE) {
                channel.truncate(0);
                channel.write(java.nio.ByteBuffer.wrap(new byte[1]), MAPPING - 1); // a hole of MAPPING bytes
            }
            return channel.map(mode, 0, MAPPING, arena);
        }
    }

    private static String memory() throws IOException {
        String rss = line(Path.of("/proc/self/status"), "VmRSS:");
        String shmem = line(Path.of("/proc/meminfo"), "Shmem:");
        return "VmRSS " + rss + ", Shmem " + shmem;
    }

    private static String line(Path file, String key) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> l.startsWith(key)).findFirst()
                .map(l -> l.substring(key.length()).trim()).orElse("?");
    }
}
