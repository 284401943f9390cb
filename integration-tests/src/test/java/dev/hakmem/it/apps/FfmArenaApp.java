package dev.hakmem.it.apps;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Checks.expectThrows;

/**
 * FFM arenas as the JDK defines them, checked by the program itself: zeroed segments at every
 * alignment from 1 B to a page, also over recycled memory; confinement; use after close; slices and
 * {@code asByteBuffer} views; a shared arena used by two threads; {@code ofAuto} released by the GC and
 * counted against {@code -XX:MaxDirectMemorySize}; {@code global} never freed. Prints {@code OK}; passes
 * with and without the agent. Segments other than the aligned ones are 2 MiB, which the agent always
 * attributes by walking the stack (smaller ones it samples by bytes).
 */
public final class FfmArenaApp {
    private static final long[] ALIGNMENTS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
    private static final long[] SIZES = {1, 7, 64, 1000, 4096, 70_000};
    private static final int MIB = 2 << 20; // 2 MiB: segments this large are always attributed by walking the stack
    private static final int AUTO = 16;

    private FfmArenaApp() {
    }

    public static void main(String[] args) throws Exception {
        for (int round = 0; round < 3; round++) { // later rounds reuse memory the earlier ones dirtied
            try (Arena arena = Arena.ofConfined()) {
                for (long alignment : ALIGNMENTS) {
                    for (long size : SIZES) {
                        MemorySegment s = arena.allocate(size, alignment); // site:aligned
                        check(s.address() % alignment == 0, "alignment " + alignment + " of " + s);
                        check(s.byteSize() == size, "size of " + s);
                        for (long i = 0; i < size; i++) {
                            check(s.get(ValueLayout.JAVA_BYTE, i) == 0, "zeroed: byte " + i + " of " + size + " at alignment " + alignment);
                        }
                        s.fill((byte) 0x5A);
                    }
                }
            }
        }

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(MIB); // site:confined
            AtomicReference<Throwable> other = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    s.get(ValueLayout.JAVA_LONG, 0);
                } catch (Throwable e) {
                    other.set(e);
                }
            });
            t.start();
            t.join();
            check(other.get() instanceof WrongThreadException, "another thread's access fails as on the JDK: " + other.get());
        }

        Arena closing = Arena.ofConfined();
        MemorySegment gone = closing.allocate(MIB); // site:closed
        closing.close();
        expectThrows(IllegalStateException.class, () -> gone.get(ValueLayout.JAVA_BYTE, 0), "use after close");

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(MIB); // site:views
            s.asSlice(100, 200).fill((byte) 7);
            ByteBuffer view = s.asByteBuffer();
            check(view.isDirect() && view.capacity() == MIB, "a direct view of the whole segment");
            check(view.get(150) == 7 && view.get(99) == 0 && view.get(300) == 0, "the slice's bytes through the view");
        }

        try (Arena shared = Arena.ofShared()) {
            MemorySegment s = shared.allocate(MIB, 64); // site:shared
            Thread writer = new Thread(() -> s.set(ValueLayout.JAVA_LONG, 8, 42L));
            writer.start();
            writer.join();
            check(s.get(ValueLayout.JAVA_LONG, 8) == 42L, "a shared segment is written and read by two threads");
        }

        long sum = 0;
        for (int i = 0; i < AUTO; i++) {
            sum += Arena.ofAuto().allocate(MIB).byteSize(); // site:auto (dropped at once: the GC frees it, under the 8 MiB limit)
        }
        check(sum == AUTO * MIB, "every ofAuto segment");
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(20);
        }
        // ofAuto reserves against the limit (-XX:MaxDirectMemorySize=8m here): 8 MiB held at once is refused (the JDK counts a bit more than the bytes)
        List<MemorySegment> tooMany = new ArrayList<>();
        Throwable refused = expectThrows(OutOfMemoryError.class, () -> {
            for (int i = 0; i < 16; i++) {
                tooMany.add(Arena.ofAuto().allocate(MIB)); // site:auto-limit
            }
        }, "ofAuto counts against MaxDirectMemorySize");
        System.out.println("autoRefusedAfter=" + tooMany.size() + " (" + refused.getMessage() + ")");
        tooMany.clear();

        MemorySegment forever = Arena.global().allocate(MIB); // site:global
        forever.set(ValueLayout.JAVA_INT, 0, 7);
        System.gc();
        check(forever.get(ValueLayout.JAVA_INT, 0) == 7, "global memory stays");
        Checks.ok();
    }
}
