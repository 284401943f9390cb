package dev.hakmem.refill;

import dev.hakmem.refill.os.Mapping;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Chunk#allocatePages} skips full chunks, full words and the used pages at the bottom; it
 * must still find exactly the first fit a plain page-by-page scan finds, through any sequence of
 * runs taken and given back.
 */
class ChunkTest {
    private static final int PAGES = 300; // not a multiple of 64: the last word is partly beyond the chunk

    @Test
    void shouldFindTheSameFirstFitAsAPlainScanThroughRandomAllocationsAndFrees() {
        try (Arena arena = Arena.ofConfined()) {
            Chunk chunk = new Chunk(new Mapping(arena.allocate((long) PAGES << PageMap.PAGE_SHIFT, 1 << 16), null));
            boolean[] used = new boolean[PAGES];
            List<int[]> runs = new ArrayList<>();
            Random random = new Random(42);
            for (int step = 0; step < 20_000; step++) {
                if (runs.isEmpty() || random.nextInt(100) < 55) {
                    int count = random.nextInt(10) < 7 ? 1 : 1 + random.nextInt(32);
                    int expected = plainFirstFit(used, count);
                    int first = chunk.allocatePages(count);
                    assertEquals(expected, first, "step " + step + ": a run of " + count);
                    if (first >= 0) {
                        for (int p = first; p < first + count; p++) {
                            used[p] = true;
                        }
                        runs.add(new int[] {first, count});
                    }
                } else {
                    int[] run = runs.remove(random.nextInt(runs.size()));
                    chunk.freePages(run[0], run[1]);
                    for (int p = run[0]; p < run[0] + run[1]; p++) {
                        used[p] = false;
                    }
                }
                assertEquals(runs.isEmpty(), chunk.isEmpty());
            }
            for (int p = 0; p < PAGES; p++) {
                assertEquals(used[p], chunk.isUsed(p), "page " + p);
            }
        }
    }

    @Test
    void shouldRefuseAtOnceWhenTooFewPagesAreFreeAndFillEveryPageOneByOne() {
        try (Arena arena = Arena.ofConfined()) {
            Chunk chunk = new Chunk(new Mapping(arena.allocate((long) PAGES << PageMap.PAGE_SHIFT, 1 << 16), null));
            for (int p = 0; p < PAGES; p++) {
                assertEquals(p, chunk.allocatePages(1));
            }
            assertEquals(-1, chunk.allocatePages(1));
            chunk.freePages(200, 1);
            chunk.freePages(7, 1);
            assertEquals(-1, chunk.allocatePages(2), "two free pages, but not together");
            assertEquals(7, chunk.allocatePages(1));
            assertEquals(200, chunk.allocatePages(1));
            assertTrue(!chunk.isEmpty());
        }
    }

    private static int plainFirstFit(boolean[] used, int count) {
        int run = 0;
        for (int p = 0; p < used.length; p++) {
            run = used[p] ? 0 : run + 1;
            if (run == count) {
                return p - count + 1;
            }
        }
        return -1;
    }
}
