package dev.hakmem.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import dev.hakmem.refill.SizeClasses;

/**
 * Not an allocator: the least work a thread cache on the Java heap can do per allocate and free,
 * so that a workload run with {@code -p allocator=floor} shows what no design of hakmem's kind can
 * beat on this machine. One thread only, one 256 MiB region carved into 64 KiB pages of one class
 * each, a {@code long[]} stack per class that grows without bound, no limit, no statistics, no
 * foreign or interior address test. Each feature hakmem must have can be switched on with
 * {@code -Dfloor.features=} (a comma-separated list; all of them by default, none with an empty value):
 * <ul>
 *   <li>{@code thread}: the allocation finds the current thread's stacks, as hakmem's does
 *       ({@code Thread.currentThread()}, its id, a table, the cache, its stacks), instead of one
 *       static array of stacks.</li>
 *   <li>{@code owner}: the free compares the page's owner thread with the current thread, which
 *       decides between the owner's stack and a remote free in hakmem.</li>
 *   <li>{@code twolevel}: the free finds the page in a two-level radix over the address, as hakmem's
 *       page map does, instead of one array over the region.</li>
 *   <li>{@code states}: the double-free test: a state per block naming the stack slot the block was
 *       last pushed to, checked on the free against that slot (hakmem's "sparse set").</li>
 * </ul>
 * Never in a summary, not in {@link Allocators#NAMES}, refused by {@code RssDriver}.
 */
final class JavaCacheFloor implements RawAllocator {
    static final String FEATURES_PROPERTY = "floor.features";
    private static final List<String> ALL_FEATURES = List.of("thread", "owner", "twolevel", "states", "classes");
    private static final Set<String> FEATURES = features(System.getProperty(FEATURES_PROPERTY, String.join(",", ALL_FEATURES)));
    private static final boolean THREAD = FEATURES.contains("thread");
    private static final boolean OWNER = FEATURES.contains("owner");
    private static final boolean TWO_LEVEL = FEATURES.contains("twolevel");
    private static final boolean STATES = FEATURES.contains("states");
    private static final boolean HAKMEM_CLASSES = FEATURES.contains("classes");

    private static final int PAGE_SHIFT = 16;
    private static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    private static final long REGION_BYTES = 256L << 20;
    private static final int CLASSES = 64 + 64; // 16 B steps to 1 KiB, then 1 KiB steps to 64 KiB
    private static final int RECENT_SLOTS = 1024;

    private static final long BASE;
    private static final Page[] PAGES = new Page[(int) (REGION_BYTES >>> PAGE_SHIFT)];
    private static final Page[][] DIRECTORY = new Page[1 << 16][];
    private static final Cache[] RECENT = new Cache[RECENT_SLOTS];
    private static final long[][] STACKS = new long[CLASSES][];
    private static final int[] BLOCKS_OF_CLASS = new int[CLASSES];
    private static long carved;
    private static Thread onlyThread;

    static {
        MemorySegment region = Arena.global().allocate(REGION_BYTES, PAGE_SIZE);
        BASE = region.address();
        for (int c = 0; c < CLASSES; c++) {
            STACKS[c] = new long[]{0};
        }
    }

    /** @throws IllegalArgumentException naming the list and the unknown feature, if there is one */
    static Set<String> features(String list) {
        Set<String> chosen = Set.copyOf(Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
        for (String feature : chosen) {
            if (!ALL_FEATURES.contains(feature)) {
                throw new IllegalArgumentException(FEATURES_PROPERTY + "=" + list + ": unknown feature " + feature
                        + "; use a comma-separated list of " + ALL_FEATURES);
            }
        }
        return chosen;
    }

    /** What {@code thread} finds; hakmem's {@code ThreadCache} has the same two fields in front. */
    private static final class Cache {
        final long ownerId;
        final long[][] stacks;

        Cache(long ownerId, long[][] stacks) {
            this.ownerId = ownerId;
            this.stacks = stacks;
        }
    }

    /** What the page map gives the free; hakmem's {@code Span} carries the same. */
    private static final class Page {
        final long base;
        final long indexMagic;
        final char[] states;
        final Thread owner;
        final int sizeClass;
        /** Its class's stack: replaced in every page of the class when the stack grows (a carve). */
        long[] stack;

        Page(long base, long blockSize, int sizeClass, Thread owner) {
            this.base = base;
            this.indexMagic = ((1L << 44) + blockSize - 1) / blockSize;
            this.states = new char[(int) (PAGE_SIZE / blockSize)];
            this.owner = owner;
            this.sizeClass = sizeClass;
        }
    }

    /** Without {@code classes}: 16-byte steps to 1 KiB (classes 0..63), then 1 KiB steps to 64 KiB (64..126). */
    private static int classOf(long size) {
        if (HAKMEM_CLASSES) {
            return SizeClasses.classOf((int) size);
        }
        return size <= 1024 ? (int) ((size - 1) >>> 4) : 63 + (int) ((size - 1) >>> 10);
    }

    private static long sizeOf(int sizeClass) {
        if (HAKMEM_CLASSES) {
            return SizeClasses.sizeOf(sizeClass);
        }
        return sizeClass < 64 ? (sizeClass + 1L) << 4 : (sizeClass - 62L) << 10;
    }

    @Override
    public long allocate(long size) {
        if (size <= 0 || size > 64 * 1024) {
            throw new IllegalArgumentException("the floor serves 1 B to 64 KiB, not " + size);
        }
        int sizeClass = classOf(size);
        long[] stack;
        if (THREAD) {
            Thread thread = Thread.currentThread();
            long id = thread.threadId();
            Cache cache = RECENT[(int) id & (RECENT_SLOTS - 1)];
            if (cache == null || cache.ownerId != id) {
                cache = register(thread);
            }
            stack = cache.stacks[sizeClass];
        } else {
            stack = STACKS[sizeClass];
        }
        int n = (int) stack[0];
        if (n == 0) {
            stack = carve(sizeClass);
            n = (int) stack[0];
        }
        long address = stack[n];
        if (STATES) {
            stack[n] = 0; // the sparse set: a block no longer in the slot its state names is handed out
        }
        stack[0] = n - 1;
        return address;
    }

    private static Cache register(Thread thread) {
        checkOnlyThread();
        Cache cache = new Cache(thread.threadId(), STACKS);
        RECENT[(int) thread.threadId() & (RECENT_SLOTS - 1)] = cache;
        return cache;
    }

    private static void checkOnlyThread() {
        Thread current = Thread.currentThread();
        if (onlyThread == null) {
            onlyThread = current;
        } else if (onlyThread != current) {
            throw new IllegalStateException("the floor serves one thread: " + onlyThread + " came first, " + current + " now");
        }
    }

    /** A new page of {@code sizeClass}, all of it pushed; the stack grows to hold every block of the class. */
    private static long[] carve(int sizeClass) {
        checkOnlyThread();
        if (carved + PAGE_SIZE > REGION_BYTES) {
            throw new OutOfMemoryError("the floor's " + (REGION_BYTES >>> 20) + " MiB region is used up");
        }
        long pageBase = BASE + carved;
        carved += PAGE_SIZE;
        long blockSize = sizeOf(sizeClass);
        Page page = new Page(pageBase, blockSize, sizeClass, Thread.currentThread());
        PAGES[(int) ((pageBase - BASE) >>> PAGE_SHIFT)] = page;
        int directorySlot = (int) (pageBase >>> 32) & 0xFFFF;
        if (DIRECTORY[directorySlot] == null) {
            DIRECTORY[directorySlot] = new Page[1 << 16];
        }
        DIRECTORY[directorySlot][(int) (pageBase >>> PAGE_SHIFT) & 0xFFFF] = page;
        long[] stack = STACKS[sizeClass];
        int n = (int) stack[0];
        int blocks = page.states.length;
        BLOCKS_OF_CLASS[sizeClass] += blocks;
        if (1 + BLOCKS_OF_CLASS[sizeClass] > stack.length) { // every block of the class may come back at once
            stack = Arrays.copyOf(stack, (1 + BLOCKS_OF_CLASS[sizeClass]) * 2);
            STACKS[sizeClass] = stack;
        }
        for (int p = 0; p < carved >>> PAGE_SHIFT; p++) {
            if (PAGES[p].sizeClass == sizeClass) {
                PAGES[p].stack = stack;
            }
        }
        for (int i = 0; i < blocks; i++) {
            stack[++n] = pageBase + i * blockSize;
            page.states[i] = (char) n;
        }
        stack[0] = n;
        return stack;
    }

    @Override
    public void free(long address) {
        Page page;
        if (TWO_LEVEL) {
            page = DIRECTORY[(int) (address >>> 32) & 0xFFFF][(int) (address >>> PAGE_SHIFT) & 0xFFFF];
        } else {
            page = PAGES[(int) ((address - BASE) >>> PAGE_SHIFT)];
        }
        if (OWNER && page.owner != Thread.currentThread()) {
            throw new IllegalStateException("the floor serves one thread");
        }
        long[] stack = page.stack;
        int index = 0;
        if (STATES) {
            index = (int) (((address - page.base) * page.indexMagic) >>> 44);
            int slot = page.states[index];
            if (slot < stack.length && stack[slot] == address) {
                throw new IllegalStateException("double free of 0x" + Long.toHexString(address));
            }
        }
        int n = (int) stack[0] + 1;
        stack[n] = address;
        stack[0] = n;
        if (STATES) {
            page.states[index] = (char) n;
        }
    }
}
