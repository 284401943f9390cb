package dev.hakmem;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.hakmem.TestMemory.fill;
import static dev.hakmem.TestMemory.firstMismatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random sequences of operations against a model that maps each live address to the size asked
 * for, the usable size and the byte the block was filled with. After every step: live blocks never
 * overlap, each holds what was written into it, and the statistics agree with the model.
 */
class AllocatorPropertiesTest {
    private static final long HUGE_MAX = 3L << 20;

    sealed interface Op permits Allocate, AllocateZeroed, Free, TryFree, Reallocate, FreeInterior, FreeStale,
            TryFreeForeign {
    }

    /** {@code site} 0 means {@link HakmemAllocator#allocate(long)}, else the site-recording overload. */
    record Allocate(long size, int site) implements Op {
    }

    record AllocateZeroed(long size) implements Op {
    }

    /** {@code pick} chooses a live block (modulo their number); nothing happens if there is none. */
    record Free(int pick) implements Op {
    }

    record TryFree(int pick) implements Op {
    }

    /** {@code newSize} 0 frees. */
    record Reallocate(int pick, long newSize) implements Op {
    }

    /** free and tryFree of a pointer {@code offset} bytes into a live block (modulo its usable size). */
    record FreeInterior(int pick, long offset) implements Op {
    }

    /** free and tryFree of an address that was freed and is not live again. */
    record FreeStale(int pick) implements Op {
    }

    record TryFreeForeign() implements Op {
    }

    @Provide
    Arbitrary<Long> sizes() {
        return Arbitraries.frequencyOf(
                Tuple.of(40, Arbitraries.longs().between(1, 1024)),
                Tuple.of(20, Arbitraries.longs().between(1025, 56 * 1024)),
                Tuple.of(8, Arbitraries.longs().between(56 * 1024 + 1, 1 << 20)),
                Tuple.of(3, Arbitraries.longs().between((1 << 20) + 1, HUGE_MAX)),
                Tuple.of(8, Arbitraries.of(1L, 15L, 16L, 17L, 128L, 129L, 1024L, 1025L, 56L * 1024, 56L * 1024 + 1,
                        1L << 20, (1L << 20) + 1)));
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<Integer> pick = Arbitraries.integers().between(0, 1 << 20);
        Arbitrary<Long> size = sizes();
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                Tuple.of(30, Combinators.combine(size, Arbitraries.frequencyOf(
                        Tuple.of(3, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 1000))))
                        .as(Allocate::new)),
                Tuple.of(5, size.map(AllocateZeroed::new)),
                Tuple.of(15, pick.map(Free::new)),
                Tuple.of(8, pick.map(TryFree::new)),
                Tuple.of(15, Combinators.combine(pick, Arbitraries.frequencyOf(
                        Tuple.of(1, Arbitraries.just(0L)), Tuple.of(12, size))).as(Reallocate::new)),
                Tuple.of(4, Combinators.combine(pick, Arbitraries.longs().between(1, HUGE_MAX)).as(FreeInterior::new)),
                Tuple.of(4, pick.map(FreeStale::new)),
                Tuple.of(3, Arbitraries.just(new TryFreeForeign())));
        return op.list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 200)
    void shouldKeepLiveBlocksDisjointIntactAndCountedUnderAnySequenceOfOperations(@ForAll("operations") List<Op> ops) {
        try (HakmemAllocator allocator = HakmemAllocator.create(HakmemConfig.defaults());
             Arena arena = Arena.ofConfined()) {
            Run run = new Run(allocator, arena.allocate(64).address());
            for (int step = 0; step < ops.size(); step++) {
                run.apply(ops.get(step));
                run.checkInvariants("after step " + step + " (" + ops.get(step) + ")");
            }
            run.freeAll();
            run.checkInvariants("after freeing everything");
        }
    }

    /** What the model knows of one live block. */
    private record Block(long requested, long usable, byte fill, int site) {
    }

    /** One try: the allocator under test and the model it must agree with. */
    private static final class Run {
        private final HakmemAllocator allocator;
        private final long foreign;
        private final Map<Long, Block> live = new LinkedHashMap<>();
        private final List<Long> stale = new ArrayList<>();
        private long invalidFrees;
        private int nextFill = 1;

        Run(HakmemAllocator allocator, long foreign) {
            this.allocator = allocator;
            this.foreign = foreign;
        }

        void apply(Op op) {
            switch (op) {
                case Allocate a -> {
                    long address = a.site() == 0 ? allocator.allocate(a.size()) : allocator.allocate(a.size(), a.site());
                    if (a.site() != 0) {
                        assertEquals(a.site(), allocator.siteOf(address), "site of a new block");
                    }
                    adopt(address, a.size(), a.site());
                }
                case AllocateZeroed z -> {
                    long address = allocator.allocateZeroed(z.size());
                    assertEquals(-1, firstMismatch(address, z.size(), (byte) 0), "allocateZeroed(" + z.size() + ")");
                    adopt(address, z.size(), 0);
                }
                case Free f -> {
                    Long address = pick(f.pick());
                    if (address != null) {
                        verify(address);
                        allocator.free(address);
                        forget(address);
                    }
                }
                case TryFree t -> {
                    Long address = pick(t.pick());
                    if (address != null) {
                        verify(address);
                        assertTrue(allocator.tryFree(address), "tryFree of a live block");
                        forget(address);
                    }
                }
                case Reallocate r -> reallocate(r);
                case FreeInterior i -> {
                    Long address = pick(i.pick());
                    if (address != null) {
                        Block b = live.get(address);
                        long inside = address + 1 + Math.floorMod(i.offset(), b.usable() - 1);
                        InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> allocator.free(inside));
                        assertEquals(InvalidFreeException.Reason.INTERIOR, e.reason(), e.getMessage());
                        assertTrue(allocator.tryFree(inside), "an interior pointer lies in hakmem's memory");
                        invalidFrees++;
                        verify(address);
                    }
                }
                case FreeStale s -> {
                    if (!stale.isEmpty()) {
                        long address = stale.get(Math.floorMod(s.pick(), stale.size()));
                        assertThrows(InvalidFreeException.class, () -> allocator.free(address));
                        if (allocator.tryFree(address)) {
                            invalidFrees++;
                        } else {
                            assertFalse(allocator.owns(address), "tryFree is false only for memory hakmem does not own");
                        }
                    }
                }
                case TryFreeForeign ignored -> {
                    assertFalse(allocator.tryFree(foreign), "tryFree of an arena's address");
                    assertFalse(allocator.owns(foreign));
                }
            }
        }

        private void reallocate(Reallocate r) {
            Long address = pick(r.pick());
            if (address == null) {
                return;
            }
            Block old = verify(address);
            long moved = allocator.reallocate(address, r.newSize());
            forget(address);
            if (r.newSize() == 0) {
                assertEquals(0, moved, "reallocate to 0 frees");
                return;
            }
            long kept = Math.min(old.usable(), r.newSize());
            assertEquals(-1, firstMismatch(moved, kept, old.fill()),
                    "reallocate(" + old.requested() + " -> " + r.newSize() + ") keeps the first " + kept + " bytes");
            if (old.site() != 0) {
                assertEquals(old.site(), allocator.siteOf(moved), "reallocate keeps the site");
            }
            stale.remove(moved);
            adopt(moved, r.newSize(), old.site());
        }

        private void adopt(long address, long requested, int site) {
            assertNotEquals(0, address);
            assertEquals(0, address & 15, "16-byte alignment");
            assertFalse(live.containsKey(address), "handed out twice: 0x" + Long.toHexString(address));
            long usable = allocator.usableSize(address);
            assertTrue(usable >= requested, "usable " + usable + " < requested " + requested);
            assertTrue(allocator.owns(address));
            byte value = (byte) (nextFill++ * 37 + 1);
            fill(address, usable, value);
            live.put(address, new Block(requested, usable, value, site));
            stale.remove(address);
        }

        private void forget(long address) {
            live.remove(address);
            stale.add(address);
            if (stale.size() > 64) {
                stale.removeFirst();
            }
        }

        private Long pick(int pick) {
            if (live.isEmpty()) {
                return null;
            }
            return new ArrayList<>(live.keySet()).get(Math.floorMod(pick, live.size()));
        }

        private Block verify(long address) {
            Block b = live.get(address);
            long bad = firstMismatch(address, b.usable(), b.fill());
            assertEquals(-1, bad, "block 0x" + Long.toHexString(address) + " of " + b + " was overwritten at byte " + bad);
            return b;
        }

        void freeAll() {
            for (long address : new ArrayList<>(live.keySet())) {
                verify(address);
                allocator.free(address);
                forget(address);
            }
        }

        void checkInvariants(String when) {
            long[] starts = live.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
            long usableSum = 0;
            for (int i = 0; i < starts.length; i++) {
                Block b = live.get(starts[i]);
                usableSum += b.usable();
                assertEquals(b.usable(), allocator.usableSize(starts[i]), when + ": usable size changed");
                if (i + 1 < starts.length) {
                    assertTrue(starts[i] + b.usable() <= starts[i + 1], when + ": blocks 0x" + Long.toHexString(starts[i])
                            + " (" + b.usable() + " bytes) and 0x" + Long.toHexString(starts[i + 1]) + " overlap");
                }
            }
            HakmemStats s = allocator.stats();
            assertEquals(s.allocations() - s.frees(), s.liveBlocks(), when + ": " + s);
            assertEquals(live.size(), s.liveBlocks(), when + ": " + s);
            assertEquals(s.bytesAllocated() - s.bytesFreed(), s.liveBytes(), when + ": " + s);
            assertEquals(usableSum, s.liveBytes(), when + ": " + s);
            assertTrue(s.bytesReserved() >= s.liveBytes(), when + ": live blocks are reserved: " + s);
            assertEquals(invalidFrees, s.invalidFrees(), when + ": " + s);
            assertEquals(live.values().stream().filter(b -> b.usable() > 1 << 20).count(), s.hugeBlocks(), when + ": " + s);
        }
    }

    @Test
    void shouldReportNoSiteForABlockAllocatedWithoutOneAtAReusedAddress() {
        try (HakmemAllocator allocator = HakmemAllocator.create(HakmemConfig.defaults())) {
            long first = allocator.allocate(48, 42);
            allocator.free(first);
            long second = allocator.allocate(48);
            assertEquals(first, second, "the cache hands the same block back (LIFO)");
            assertEquals(0, allocator.siteOf(second));
            allocator.free(second);
        }
    }
}
