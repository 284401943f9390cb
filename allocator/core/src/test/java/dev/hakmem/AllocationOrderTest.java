package dev.hakmem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thread that allocates a fresh batch walks its memory upwards: blocks that miss the CPU caches are
 * written (zeroed by {@code allocateDirect}, filled by the program) far faster in ascending order than
 * in descending order, which is what a stack filled in address order and popped from its top gave
 * ({@code LocalHeap.refill}; the GC-released rows of {@code bin/bench agent} measure it).
 */
class AllocationOrderTest {
    private HakmemAllocator allocator;

    @BeforeEach
    void start() {
        allocator = HakmemAllocator.create(HakmemConfig.defaults());
    }

    @AfterEach
    void stop() {
        allocator.close();
    }

    @ParameterizedTest(name = "{0} B")
    @ValueSource(ints = {64, 1024, 8192, 65536, 262144})
    void shouldHandOutAFreshBatchInAscendingAddressOrder(int size) {
        int count = 16;
        long[] blocks = new long[count];
        for (int i = 0; i < count; i++) {
            blocks[i] = allocator.allocate(size);
        }
        int ascending = 0;
        for (int i = 1; i < count; i++) {
            if (blocks[i] > blocks[i - 1]) {
                ascending++;
            }
        }
        // a batch ends where the next one starts, which may be anywhere: allow one step down per four blocks
        assertTrue(ascending >= count - 1 - count / 4, size + " B: only " + ascending + " of " + (count - 1)
                + " steps upwards: " + hex(blocks));
        for (long block : blocks) {
            allocator.free(block);
        }
    }

    private static String hex(long[] blocks) {
        StringBuilder s = new StringBuilder();
        for (long block : blocks) {
            s.append(" 0x").append(Long.toHexString(block));
        }
        return s.toString();
    }
}
