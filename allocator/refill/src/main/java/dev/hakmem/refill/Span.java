package dev.hakmem.refill;

import dev.hakmem.refill.spi.Policy;
import dev.hakmem.refill.os.Mapping;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A run of 64 KiB pages cut into equal blocks of one size class, or one huge block.
 *
 * <p>Who touches what:
 * <ul>
 *   <li>{@code states}: one byte per block, what catches a double free and a free of a block that
 *       was never handed out. {@link #FREE} in the span's free set or on its way back to its owner;
 *       {@link #ALLOCATED} for a huge block in use; otherwise the slot of the owner's cache stack
 *       ({@link OwnerCache}) where the block was last put. A block with a slot state is cached if
 *       that slot holds it, and handed out if not (every way out of a slot clears or overwrites it:
 *       see {@link #isCached}): so an allocation, a pop, writes no state (the "sparse set" trick),
 *       and every write that puts a block into a stack, or moves it there, writes its slot. Written by whichever thread frees that
 *       block or fills the stack; Java byte arrays never tear, and a block changes hands only
 *       through a happens-before edge (a cache, a refill, a remote-free CAS).</li>
 *   <li>{@code freeBits}, {@code freeCount}, list links: private to the owning {@link LocalHeap}, or
 *       guarded by the engine's lock once the span is orphaned.</li>
 *   <li>{@code owner}: changes only under the engine's lock; read plainly by the owner on its free
 *       path (only the owner itself can find itself there) and with acquire semantics by others.</li>
 * </ul>
 * Block index without a division: {@code index = (offset * indexMagic) >>> 44} with
 * {@code indexMagic = ceil(2^44 / blockSize)}; exact for offsets below 2^21 (the largest span is
 * 2 MiB) and block sizes up to 2^20. The same product also tells a block's start from an interior
 * address: with {@code offset = k * size + r}, its low 44 bits are {@code k * e + r * indexMagic}
 * where {@code e = size * indexMagic - 2^44 < size}; that is below 2^21 when {@code r == 0} and at
 * least {@code indexMagic >= 2^24} otherwise, so bits 22..43 are zero exactly at a block's start.
 * A huge span's magic is 2^23: offset 0 is its block, any other offset below 2^21 sets those bits,
 * and any larger one gives an index past its single block (huge blocks are capped below 2^40 bytes,
 * so the product cannot wrap). {@code SpanTest} checks all of it for every class.
 */
public final class Span {
    static final int FREE = 0;
    static final int ALLOCATED = 1;
    /** The size class of a chunk's {@linkplain #vacant vacant pages}. */
    static final int VACANT = -1;
    /** {@link #release} result: the address is not the start of a block. */
    public static final int INTERIOR = -1;
    /** {@link #release} result: the block is not allocated (double free, or never handed out). */
    public static final int NOT_ALLOCATED = -2;
    /**
     * The states that name a slot of the owner's cache stack: the cache lays its stacks out so
     * that its blocks sit in slots in this range ({@link OwnerCache}); below it are this box's own
     * states, and a state is one byte.
     */
    public static final int FIRST_SLOT_STATE = 2;
    public static final int LAST_SLOT_STATE = 0xFF;

    private static final int INDEX_SHIFT = 44;
    /** Bits 22..43 of {@code offset * indexMagic}: all zero exactly at the start of a block. */
    private static final long INTERIOR_BITS = ((1L << INDEX_SHIFT) - 1) & -(1L << 22);
    private static final long HUGE_INDEX_MAGIC = 1L << 23;
    /** Larger huge blocks are refused, so that {@code offset * HUGE_INDEX_MAGIC} never wraps. */
    public static final long MAX_HUGE_BYTES = 1L << 40;
    private static final VarHandle OWNER;
    private static final VarHandle DEBUG_WORDS;
    /** Ints per block in {@link #debugWords()}. */
    public static final int DEBUG_WORDS_PER_BLOCK = 3;

    static {
        if (FIRST_SLOT_STATE + Policy.MAX_CAPACITY - 1 > LAST_SLOT_STATE) {
            throw new ExceptionInInitializerError("the policy's largest cache must fit a block's state byte");
        }
        try {
            OWNER = MethodHandles.lookup().findVarHandle(Span.class, "owner", LocalHeap.class);
            DEBUG_WORDS = MethodHandles.lookup().findVarHandle(Span.class, "debugWords", int[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The engine's view of the page map that this span is registered in. */
    final PageMap pageMap;
    final long base;
    final long blockSize;
    final int sizeClass;
    final int blockCount;
    private final long indexMagic;
    private final byte[] states;
    final Chunk chunk;
    final Mapping hugeMapping;
    final int firstPage;
    final int pages;
    private LocalHeap owner;
    /** The owner's bound thread and cache (see {@link LocalHeap#bind}), copied here to save the free path a load. */
    private Thread ownerThread;
    private OwnerCache ownerCache;
    /** The owner's cache stack of this span's class (see {@link LocalHeap#bind}), or null. */
    private long[] ownerStack;

    final long[] freeBits;
    int freeCount;
    /**
     * Whether a block came back ({@link #putFree}) since {@link RefillEngine#purgeFreePagesOf} last
     * looked at this span: an idle heap trimmed again and again while frees trickle in rescans only
     * the spans they reached, not every page of every span it owns under the engine's lock each time.
     */
    boolean freedSincePurge = true;
    /** An orphan whose free pages are being given back outside the engine's lock: not adoptable, not released until done. Under the engine's lock. */
    boolean purging;
    /** When the orphanage took it ({@code System.nanoTime()}); meaningful while it is an orphan. */
    long orphanedAtNanos;
    Span prev;
    Span next;
    boolean listed;
    int ownedIndex = -1;
    /** Carved for blocks of long-lived sites: on its heap's second partial list, its frees go to the cache's long-lived stack. */
    boolean longLived;
    /** Which of its heap's {@link LocalHeap#LONG_LIVED_LANES} long-lived lists it is on, if {@link #longLived}. */
    int longLivedLane;
    /**
     * Per block: the site of its current allocation; once freed, minus the site of its last one
     * (what a double-free report names); 0 for none. Made on first use.
     */
    private int[] sites;
    /** {@link #DEBUG_WORDS_PER_BLOCK} ints per block for the facade's debug mode; made on first use (see {@link #debugWords()}). */
    @SuppressWarnings("unused") // through DEBUG_WORDS
    private int[] debugWords;

    private Span(PageMap pageMap, long base, long blockSize, int sizeClass, int blockCount, Chunk chunk,
                 Mapping hugeMapping, int firstPage, int pages, LocalHeap owner) {
        this.pageMap = pageMap;
        this.base = base;
        this.blockSize = blockSize;
        this.sizeClass = sizeClass;
        this.blockCount = blockCount;
        this.indexMagic = sizeClass == SizeClasses.HUGE ? HUGE_INDEX_MAGIC : ((1L << INDEX_SHIFT) + blockSize - 1) / blockSize;
        this.states = new byte[blockCount];
        this.chunk = chunk;
        this.hugeMapping = hugeMapping;
        this.firstPage = firstPage;
        this.pages = pages;
        this.owner = owner;
        if (owner != null) {
            this.ownerThread = owner.ownerThread();
            this.ownerCache = owner.cache();
            this.ownerStack = owner.cacheStack(sizeClass);
        }
        this.freeBits = allFree(blockCount);
        this.freeCount = blockCount;
    }

    /** A bit per block, all set: whole words at once (a 16-byte class has 4,096 blocks per span). */
    private static long[] allFree(int blockCount) {
        long[] bits = new long[(blockCount + 63) >>> 6];
        Arrays.fill(bits, 0, blockCount >>> 6, -1L);
        if ((blockCount & 63) != 0) {
            bits[blockCount >>> 6] = (1L << blockCount) - 1; // the shift uses the low 6 bits: the tail's blocks
        }
        return bits;
    }

    static Span small(PageMap pageMap, int sizeClass, Chunk chunk, int firstPage, int pages, LocalHeap owner) {
        long base = chunk.base + ((long) firstPage << PageMap.PAGE_SHIFT);
        int size = SizeClasses.sizeOf(sizeClass);
        int blocks = (int) (((long) pages << PageMap.PAGE_SHIFT) / size);
        return new Span(pageMap, base, size, sizeClass, blocks, chunk, null, firstPage, pages, owner);
    }

    /**
     * The page-map entry of a chunk's pages that no span holds, so that a late second free there
     * reads as hakmem's (not a live block) rather than as foreign, which the agent would pass to the
     * JDK's free(). It has no blocks: every address in it is refused.
     */
    static Span vacant(PageMap pageMap, Chunk chunk) {
        return new Span(pageMap, chunk.base, chunk.bytes(), VACANT, 0, chunk, null, 0, chunk.pages, null);
    }

    static Span huge(PageMap pageMap, Mapping mapping) {
        Span span = new Span(pageMap, mapping.address(), mapping.byteSize(), SizeClasses.HUGE, 1, null, mapping, 0,
                (int) (mapping.byteSize() >>> PageMap.PAGE_SHIFT), null);
        span.freeBits[0] = 0;
        span.freeCount = 0;
        return span;
    }

    public int sizeClass() {
        return sizeClass;
    }

    public long blockSize() {
        return blockSize;
    }

    public long base() {
        return base;
    }

    public int blockCount() {
        return blockCount;
    }

    /** Whether this entry stands for pages of a chunk that no span holds (see {@link #vacant}). */
    public boolean isVacant() {
        return sizeClass == VACANT;
    }

    /** Plain read: the owner can only find itself here if it is the owner (see class comment). */
    public LocalHeap owner() {
        return owner;
    }

    /** Plain read: true only for the owner asking about itself (see class comment). */
    public boolean isOwnedBy(LocalHeap heap) {
        return owner == heap;
    }

    LocalHeap acquireOwner() {
        return (LocalHeap) OWNER.getAcquire(this);
    }

    void setOwner(LocalHeap heap) {
        ownerThread = heap == null ? null : heap.ownerThread();
        ownerCache = heap == null ? null : heap.cache();
        ownerStack = heap == null ? null : heap.cacheStack(sizeClass);
        OWNER.setRelease(this, heap);
    }

    void setOwnerStack(long[] stack) {
        ownerStack = stack;
    }

    /**
     * The owner's cache stack for this span's class. Plain read, like {@link #owner()}: meaningful
     * only to the owner, which is the only thread that pushes there.
     */
    public long[] ownerStack() {
        return ownerStack;
    }

    /** Plain read: true only for the owner's bound thread asking about itself (see class comment). */
    public boolean isOwnedByThread(Thread current) {
        return ownerThread == current;
    }

    /** The cache bound to the owning heap (see {@link LocalHeap#bind}); meaningful to the owner only. */
    public OwnerCache ownerCache() {
        return ownerCache;
    }

    /** @return the index of the block that starts at {@code address}, or {@link #INTERIOR} */
    public int blockIndex(long address) {
        long product = (address - base) * indexMagic;
        int index = (int) (product >>> INDEX_SHIFT);
        // the tail a span cannot fill with a whole block gives index == blockCount: not a block either
        return (product & INTERIOR_BITS) == 0 && index < blockCount ? index : INTERIOR;
    }

    /** The index of the block that starts at {@code address}, known to be one: no interior test. */
    private int startIndex(long address) {
        return (int) (((address - base) * indexMagic) >>> INDEX_SHIFT);
    }

    /** Marks a block handed to a user without passing through a cache: a huge block. */
    public void markAllocated(long address) {
        states[startIndex(address)] = ALLOCATED;
    }

    /** Records that the block at {@code index} now sits in slot {@code slot} of its owner's cache stack. */
    public void placedAt(int index, int slot) {
        states[index] = (byte) slot;
    }

    /** As {@link #placedAt(int, int)}, for a block known by its address (a cold path: it multiplies). */
    public void placedAt(long address, int slot) {
        states[startIndex(address)] = (byte) slot;
    }

    /** Records that the block at {@code index}, just released, is on its way back to its owner. */
    public void markFree(int index) {
        states[index] = FREE;
    }

    /** Remembers which call site holds the block just handed out at {@code address}. Arrays are made on first use. */
    public void recordAllocation(long address, int siteId) {
        int index = startIndex(address);
        int[] s = sites;
        if (s == null) {
            s = newSites();
        }
        s[index] = siteId;
    }

    /**
     * Marks a site entry as one a {@link LifetimeWatch} follows: set on a sampled allocation, never
     * by the hot path's {@link #recordAllocation}, so a watched block that was freed and handed out
     * again no longer carries it. Readers of sites mask it off.
     */
    static final int WATCHED = 1 << 30;

    /** As {@link #recordAllocation}, for a block a {@link LifetimeWatch} follows from now on. */
    void recordWatchedAllocation(long address, int siteId) {
        recordAllocation(address, siteId | WATCHED);
    }

    /** Whether this span was carved for blocks of long-lived sites. */
    public boolean isLongLived() {
        return longLived;
    }

    /** Whether the block at {@code address} is still the allocation {@link #recordWatchedAllocation} marked: not freed since. */
    boolean isWatchedLive(long address, int siteId) {
        int[] s = sites;
        int index = blockIndex(address);
        return s != null && index >= 0 && s[index] == (siteId | WATCHED);
    }

    private int[] newSites() {
        int[] s = new int[blockCount];
        sites = s;
        return s;
    }

    /**
     * Checks that {@code address} is a block a user holds, before its free. Changes nothing: the
     * caller writes the block's new state ({@link #placedAt} or {@link #markFree}).
     *
     * @return the block index, {@link #INTERIOR} or {@link #NOT_ALLOCATED}
     */
    public int liveIndex(long address) {
        long product = (address - base) * indexMagic;
        int index = (int) (product >>> INDEX_SHIFT);
        byte[] s = states;
        // the unsigned compare is the array's own range check, which C2 then drops
        if ((product & INTERIOR_BITS) != 0 || Integer.compareUnsigned(index, s.length) >= 0) {
            return INTERIOR;
        }
        if (isFree(s[index] & 0xFF, address)) {
            return NOT_ALLOCATED;
        }
        return index; // the site stays, so that a double free can name who allocated the block
    }

    /**
     * Takes back a block whose free goes anywhere but its owner's cache: {@link #liveIndex} and, if
     * the block is live, {@link #markFree}.
     *
     * @return as {@link #liveIndex}
     */
    public int release(long address) {
        int index = liveIndex(address);
        if (index >= 0) {
            markFree(index);
        }
        return index;
    }

    /**
     * Whether a block whose state is {@code state} sits in its owner's cache: whether the slot its
     * state names holds it. The stack's count is not needed: every way out of a slot clears it (a
     * pop), overwrites it, or gives the block another state (a flush, a move), so a block that is
     * not cached is never found in the slot its state names. Read without synchronisation from
     * another thread than the owner's, the answer is still exact for a block that thread holds: the
     * pop that handed it out happened before the block reached this thread, so this read sees the
     * clear or a later write of another block. And the freeing thread never touches the line the
     * owner writes on every operation (the count). A double free is caught when the first free
     * happened before it.
     */
    private boolean isCached(int state, long address) {
        long[] stack = ownerStack;
        // the unsigned compare is the array's own range check, which C2 then drops
        return stack != null && state >= FIRST_SLOT_STATE && Integer.compareUnsigned(state, stack.length) < 0
                && stack[state] == address;
    }

    public boolean isAllocated(long address) {
        int index = blockIndex(address);
        return index >= 0 && isLive(index, address);
    }

    private boolean isLive(int index, long address) {
        return !isFree(states[index] & 0xFF, address);
    }

    /** Whether a block in {@code state} is free: in its span, on its way back, or cached. */
    private boolean isFree(int state, long address) {
        return state == FREE || isCached(state, address);
    }

    /**
     * As {@link #endSiteAt}, for a block freed without {@link #liveIndex} (hakmem.checks=false).
     */
    public void endSite(long address) {
        int index = blockIndex(address);
        if (index >= 0) {
            endSiteAt(index);
        }
    }

    /**
     * Ends the site of the block at {@code index}, which is being freed: its entry turns negative, so
     * the block no longer counts as live for that site ({@link #tallyLiveSites}), an allocation
     * without a site needs not clear it, and a double free can still name the block's last site.
     */
    public void endSiteAt(int index) {
        int[] s = sites;
        if (s != null && s[index] > 0) {
            s[index] = -s[index];
        }
    }

    /** Adds this span's live blocks that carry a site to {@code tally}. Racy: a moment old if the span is in use. */
    void tallyLiveSites(SiteTally tally) {
        int[] s = sites;
        if (s == null) {
            return;
        }
        for (int site : s) {
            if (site > 0) {
                tally.add(site & ~WATCHED, blockSize);
            }
        }
    }

    /**
     * @param statesKept whether blocks' states are kept (hakmem.checks): only then can a freed block
     *                   be told from a live one, and name the site that held it last
     * @return the site of the block's current allocation, 0 if it had none; for a freed block, the
     *         site of its last allocation
     */
    public int siteOf(long address, boolean statesKept) {
        int[] s = sites;
        int index = blockIndex(address);
        if (s == null || index < 0) {
            return 0;
        }
        int site = s[index];
        if (statesKept && !isLive(index, address)) {
            return Math.abs(site) & ~WATCHED;
        }
        return Math.max(site, 0) & ~WATCHED;
    }

    /**
     * Fills {@code bytes} at {@code address} with zeros: from 256 B to 1 MiB with 8-byte stores in a
     * counted loop, which C2 unrolls (on JDK 25 a segment's {@code fill} goes through
     * {@code setMemory}: the {@code Zeroing} benchmark has the loop at 12 against 19 ns at 1 KiB and
     * 51 against 159 ns at 8 KiB, but 8.8 against 3.4 ns at 64 B), else with {@code fill} (cheaper for
     * a few words, and bound by memory bandwidth when large).
     */
    public void zero(long address, long bytes) {
        MemorySegment segment = segment();
        MemorySegment block = segment.asSlice(address - segment.address(), bytes);
        if (bytes < ZERO_BY_STORES_FROM || bytes > ZERO_BY_STORES_TO) {
            block.fill((byte) 0);
            return;
        }
        int size = (int) bytes;
        int words = size & ~7;
        for (int i = 0; i < words; i += 8) {
            block.set(ValueLayout.JAVA_LONG_UNALIGNED, i, 0L);
        }
        for (int i = words; i < size; i++) {
            block.set(ValueLayout.JAVA_BYTE, i, (byte) 0);
        }
    }

    private static final long ZERO_BY_STORES_FROM = 256;
    private static final long ZERO_BY_STORES_TO = 1 << 20;

    /** Copies between blocks, for reallocate. */
    public static void copy(Span from, long source, Span to, long target, long bytes) {
        MemorySegment src = from.segment();
        MemorySegment dst = to.segment();
        MemorySegment.copy(src, source - src.address(), dst, target - dst.address(), bytes);
    }

    /**
     * What the facade's debug mode keeps per block, on the Java heap like every other piece of
     * hakmem's metadata: {@link #DEBUG_WORDS_PER_BLOCK} ints for block {@code i} at
     * {@code [i * DEBUG_WORDS_PER_BLOCK, ...)}, whose meaning is the facade's. Made on first use
     * by whichever thread asks first (a CAS: the owner allocating and another thread freeing may race).
     */
    public int[] debugWords() {
        int[] words = (int[]) DEBUG_WORDS.getAcquire(this);
        if (words == null) {
            int[] made = new int[blockCount * DEBUG_WORDS_PER_BLOCK];
            words = (int[]) DEBUG_WORDS.compareAndExchangeRelease(this, (int[]) null, made);
            if (words == null) {
                words = made;
            }
        }
        return words;
    }

    /** The memory of the block that starts at {@code address}: {@link #blockSize()} bytes (for tests and the debug mode). */
    public MemorySegment block(long address) {
        MemorySegment segment = segment();
        return segment.asSlice(address - segment.address(), blockSize);
    }

    /** Bytes of address space this span covers: its pages (more than its blocks when they do not fill it). */
    public long bytes() {
        return (long) pages << PageMap.PAGE_SHIFT;
    }

    MemorySegment segment() {
        return chunk != null ? chunk.segment : hugeMapping.segment();
    }

    long blockAddress(int index) {
        return base + index * blockSize;
    }

    // ---- owner-private free set ----

    /**
     * Moves up to {@code max} free blocks to {@code target[offset..]}, each with its slot there as
     * its state: the target is a cache stack (or, in tests, an array whose users hold the blocks).
     */
    int takeFree(long[] target, int offset, int max) {
        int taken = 0;
        long[] bits = freeBits;
        for (int w = 0; w < bits.length && taken < max; w++) {
            long word = bits[w];
            while (word != 0 && taken < max) {
                int bit = Long.numberOfTrailingZeros(word);
                word &= word - 1;
                int index = (w << 6) + bit;
                int slot = offset + taken++;
                target[slot] = base + index * blockSize;
                states[index] = (byte) slotState(slot);
            }
            bits[w] = word;
        }
        freeCount -= taken;
        return taken;
    }

    /**
     * As {@link #takeFree}, but the highest free blocks, put below {@code top} in ascending address
     * order downwards: the lowest of them at {@code target[top - 1]}, which a stack pops first
     * ({@link LocalHeap#refill} says why). The highest, so that a span's churn stays last in, first
     * out: a cache that overflows gives back the bottom of its stack, the highest blocks of an earlier
     * batch, and the next refill takes those same blocks again.
     */
    int takeFreeDownwards(long[] target, int top, int max) {
        int want = Math.min(max, freeCount);
        int first = top - want; // the highest block taken goes here, the lowest at top - 1
        int taken = 0;
        long[] bits = freeBits;
        for (int w = bits.length - 1; w >= 0 && taken < want; w--) {
            long word = bits[w];
            while (word != 0 && taken < want) {
                int bit = 63 - Long.numberOfLeadingZeros(word);
                word &= ~(1L << bit);
                int index = (w << 6) + bit;
                int slot = first + taken++;
                target[slot] = base + index * blockSize;
                states[index] = (byte) slotState(slot);
            }
            bits[w] = word;
        }
        freeCount -= taken;
        return taken;
    }

    /**
     * The runs of {@code granule}-sized pieces of this span (OS pages) that only free blocks overlap,
     * as {@code [offset, bytes, offset, bytes, ...]} from the span's base: what can go back to the OS
     * while the span keeps its blocks out. Bytes past the last block count as free. Read by whoever
     * owns the free set (for an orphan, the engine under its lock).
     *
     * @param granule a power of two dividing the span's 64 KiB pages
     */
    long[] freeRuns(long granule) {
        long spanBytes = (long) pages << PageMap.PAGE_SHIFT;
        long[] runs = new long[8];
        int n = 0;
        long runStart = -1;
        for (long offset = 0; offset <= spanBytes; offset += granule) {
            boolean free = offset < spanBytes && blocksFree(offset / blockSize, (offset + granule - 1) / blockSize);
            if (free && runStart < 0) {
                runStart = offset;
            } else if (!free && runStart >= 0) {
                if (n == runs.length) {
                    runs = Arrays.copyOf(runs, 2 * n);
                }
                runs[n++] = runStart;
                runs[n++] = offset - runStart;
                runStart = -1;
            }
        }
        return Arrays.copyOf(runs, n);
    }

    /** Whether blocks {@code first..last} (those past the last block count as free) are all in the free set, a word at a time. */
    private boolean blocksFree(long first, long last) {
        if (first >= blockCount) {
            return true;
        }
        int from = (int) first;
        int to = (int) Math.min(blockCount - 1, last);
        for (int word = from >>> 6; word <= to >>> 6; word++) {
            long mask = -1L;
            if (word == from >>> 6) {
                mask &= -1L << (from & 63);
            }
            if (word == to >>> 6) {
                mask &= -1L >>> (63 - (to & 63));
            }
            if ((freeBits[word] & mask) != mask) {
                return false;
            }
        }
        return true;
    }

    /** The state of a block put at {@code slot} of an array: slots below a stack's first are not slots. */
    static int slotState(int slot) {
        return slot < FIRST_SLOT_STATE ? ALLOCATED : slot;
    }

    /** @return false if the block was already in the free set (a bookkeeping error upstream) */
    boolean putFree(int index) {
        long mask = 1L << index;
        long word = freeBits[index >>> 6];
        if ((word & mask) != 0) {
            return false;
        }
        freeBits[index >>> 6] = word | mask;
        freeCount++;
        states[index] = FREE;
        freedSincePurge = true;
        return true;
    }

    /** For {@link RefillEngine#checkInvariants}: the free count against the free bits, and each free block's state. */
    List<String> checkFreeSet() {
        List<String> wrong = new ArrayList<>();
        int bits = 0;
        for (int index = 0; index < blockCount; index++) {
            if ((freeBits[index >>> 6] & (1L << index)) != 0) {
                bits++;
                if (states[index] != FREE) {
                    wrong.add("block " + index + " of " + this + " is in its free set with state " + states[index]);
                }
            }
        }
        for (int index = blockCount; index < freeBits.length * 64; index++) {
            if ((freeBits[index >>> 6] & (1L << index)) != 0) {
                wrong.add("bit " + index + " of " + this + " is set beyond its blocks");
            }
        }
        if (bits != freeCount) {
            wrong.add(this + " counts " + freeCount + " free blocks but its free set holds " + bits);
        }
        return wrong;
    }

    boolean isEmpty() {
        return freeCount == blockCount;
    }

    // ---- lists of spans with free blocks (a heap's partial lists, the engine's orphans) ----

    /** Puts {@code span} first on the list of its class in {@code heads}, unless it is on a list already. */
    static void link(Span[] heads, Span span) {
        if (span.listed) {
            return;
        }
        Span head = heads[span.sizeClass];
        span.prev = null;
        span.next = head;
        if (head != null) {
            head.prev = span;
        }
        heads[span.sizeClass] = span;
        span.listed = true;
    }

    /** Takes {@code span} off the list of its class in {@code heads}, if it is on it. */
    static void unlink(Span[] heads, Span span) {
        if (!span.listed) {
            return;
        }
        if (span.prev != null) {
            span.prev.next = span.next;
        } else {
            heads[span.sizeClass] = span.next;
        }
        if (span.next != null) {
            span.next.prev = span.prev;
        }
        span.prev = null;
        span.next = null;
        span.listed = false;
    }

    @Override
    public String toString() {
        return "Span{class=" + sizeClass + ", base=0x" + Long.toHexString(base) + ", blocks=" + blockCount
                + ", free=" + freeCount + '}';
    }
}
