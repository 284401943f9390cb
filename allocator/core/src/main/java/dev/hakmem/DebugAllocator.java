package dev.hakmem;

import dev.hakmem.refill.RefillEngine;
import dev.hakmem.refill.SizeClasses;
import dev.hakmem.refill.Span;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Debug mode ({@code hakmem.debug=true}): the allocator of {@link DefaultAllocator}, with every
 * block checked at both ends of its life. A separate class in front of it, so that without debug
 * mode not one instruction of the fast paths changes.
 *
 * <p>A block as debug mode hands it out, {@code size} bytes asked for, {@code usable} its block size:
 * <pre>
 * 0                    size          size + min(slack, 64)          usable
 * [ the user's bytes   | canary 0xCA ... | poison 0xDB, as it was freed ]      slack = usable - size >= 8
 * </pre>
 * Each request asks the allocator for {@value #CANARY_BYTES} bytes more than the user's, so every
 * block has a canary. <b>Free</b>: the canary is checked (an {@link DebugFinding.Kind#OVERFLOW} if a
 * byte differs), then the whole block is filled with poison (a huge block: its first
 * {@link RefillEngine#FRESH_FILL_HUGE_BYTES}). <b>Allocate</b>: the poison is checked (a
 * {@link DebugFinding.Kind#USE_AFTER_FREE} if a byte differs: someone wrote there while it was
 * free), then the canary is written. Memory that was never a block is poison too: the engine fills
 * every span when it carves it and every new huge mapping ({@code RefillSettings.freshFill}), so a
 * block is all poison whenever it is not in use, whatever that memory held before.
 *
 * <p>What debug mode knows about a block lives on the Java heap, in its span
 * ({@link Span#debugWords()}), three ints per block, where no stray write can reach:
 * <pre>
 * [0] slack + 1 while the block is in use; -(slack + 1) once freed; 0 if never allocated
 * [1] the site it was allocated with
 * [2] the site it was freed at (0 while in use)
 * </pre>
 * A block that is not in use by these words is left to the allocator untouched: its own checks
 * refuse a double free or an interior pointer, and debug mode never writes poison over a live block.
 */
final class DebugAllocator implements HakmemAllocator {
    static final byte POISON = (byte) 0xDB;
    static final byte CANARY = (byte) 0xCA;
    /** Asked for beyond every request, so that a block whose size matches its class still has a canary. */
    static final int CANARY_BYTES = 8;
    /** At most this much of the slack is written as canary: overflows are found at the first bytes past the end. */
    static final int CANARY_MAX = 64;

    private static final int W = Span.DEBUG_WORDS_PER_BLOCK;

    private final DefaultAllocator allocator;
    private final DebugFindings findings = new DebugFindings();

    /** @param allocator built over an engine that fills fresh memory with {@link #POISON} */
    DebugAllocator(DefaultAllocator allocator) {
        this.allocator = allocator;
    }

    // ---- allocate ----

    @Override
    public long allocate(long size) {
        return allocate(size, 0);
    }

    @Override
    public long allocate(long size, int siteId) {
        if (size <= 0 || size > Long.MAX_VALUE - CANARY_BYTES) {
            return allocator.allocate(size, siteId); // 0, negative or impossible: as without debug mode
        }
        long address = allocator.allocate(size + CANARY_BYTES, siteId);
        handOut(address, size, siteId);
        return address;
    }

    @Override
    public long allocateZeroed(long size) {
        return allocateZeroed(size, 0);
    }

    @Override
    public long allocateZeroed(long size, int siteId) {
        long address = allocate(size, siteId);
        if (address != 0) {
            allocator.spanOf(address).zero(address, size);
        }
        return address;
    }

    /** Checks the poison of a block about to be handed out, then writes its canary and its words. */
    private void handOut(long address, long size, int siteId) {
        Span span = allocator.spanOf(address);
        MemorySegment block = span.block(address);
        int[] words = span.debugWords();
        int w = span.blockIndex(address) * W;
        long bad = firstMismatch(block, 0, poisoned(span), POISON);
        if (bad >= 0) {
            int tag = words[w];
            long freedSize = tag < 0 ? span.blockSize() - (-tag - 1) : 0;
            findings.report(DebugFinding.Kind.USE_AFTER_FREE, address, freedSize, bad, words[w + 1], words[w + 2]);
        }
        long slack = span.blockSize() - size;
        block.asSlice(size, Math.min(slack, CANARY_MAX)).fill(CANARY);
        words[w + 1] = siteId;
        words[w + 2] = 0;
        words[w] = (int) slack + 1; // slack < 1 MiB for a small block, < 64 KiB + 8 for a huge one
    }

    /** Bytes of a free block that hold poison: all of a small block, the start of a huge one. */
    private static long poisoned(Span span) {
        return span.sizeClass() == SizeClasses.HUGE ? Math.min(span.blockSize(), RefillEngine.FRESH_FILL_HUGE_BYTES)
                : span.blockSize();
    }

    // ---- free ----

    @Override
    public void free(long address) {
        free(address, 0);
    }

    @Override
    public void free(long address, int siteId) {
        takeBack(address, siteId);
        allocator.free(address);
    }

    @Override
    public int release(long address) {
        return release(address, 0);
    }

    @Override
    public int release(long address, int siteId) {
        takeBack(address, siteId);
        return allocator.release(address);
    }

    @Override
    public boolean tryFree(long address) {
        takeBack(address, 0);
        return allocator.tryFree(address);
    }

    /**
     * If {@code address} is a block in use: checks its canary, records the free and poisons it. Anything
     * else is left untouched for the allocator to refuse.
     */
    private void takeBack(long address, int siteId) {
        Span span = address == 0 ? null : allocator.spanOf(address);
        int index = span == null ? -1 : span.blockIndex(address);
        if (index < 0) {
            return;
        }
        int[] words = span.debugWords();
        int w = index * W;
        int tag = words[w];
        if (tag <= 0) {
            return; // freed already, or never handed out
        }
        long slack = tag - 1;
        long size = span.blockSize() - slack;
        MemorySegment block = span.block(address);
        long bad = firstMismatch(block, size, size + Math.min(slack, CANARY_MAX), CANARY);
        if (bad >= 0) {
            findings.report(DebugFinding.Kind.OVERFLOW, address, size, bad, words[w + 1], siteId);
        }
        words[w] = -tag;
        words[w + 2] = siteId;
        block.asSlice(0, poisoned(span)).fill(POISON);
    }

    /** @return the offset in {@code [from, to)} of the first byte that is not {@code pattern}, or -1 */
    static long firstMismatch(MemorySegment block, long from, long to, byte pattern) {
        long word = (pattern & 0xFFL) * 0x0101_0101_0101_0101L;
        long i = from;
        for (; i + 8 <= to; i += 8) {
            if (block.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != word) {
                break;
            }
        }
        for (; i < to; i++) {
            if (block.get(ValueLayout.JAVA_BYTE, i) != pattern) {
                return i;
            }
        }
        return -1;
    }

    // ---- the rest ----

    /** Always moves the block (a new one, checked; the old one freed, checked), keeping the smaller size's bytes. */
    @Override
    public long reallocate(long address, long newSize) {
        if (newSize < 0 || address == 0) {
            return newSize < 0 ? allocator.reallocate(address, newSize) : allocate(newSize);
        }
        long oldSize = usableSize(address); // refuses what is not a live block, naming why
        if (newSize == 0) {
            free(address);
            return 0;
        }
        Span span = allocator.spanOf(address);
        int site = span.debugWords()[span.blockIndex(address) * W + 1];
        long moved = allocate(newSize, site);
        Span target = allocator.spanOf(moved);
        Span.copy(span, address, target, moved, Math.min(oldSize, newSize));
        free(address);
        return moved;
    }

    /** The bytes asked for: those past them are the canary. */
    @Override
    public long usableSize(long address) {
        long usable = allocator.usableSize(address);
        Span span = allocator.spanOf(address);
        int tag = span.debugWords()[span.blockIndex(address) * W];
        return tag > 0 ? usable - (tag - 1) : usable;
    }

    @Override
    public List<DebugFinding> debugFindings() {
        return findings.snapshot();
    }

    @Override
    public boolean owns(long address) {
        return allocator.owns(address);
    }

    @Override
    public int siteOf(long address) {
        return allocator.siteOf(address);
    }

    @Override
    public List<SiteUsage> siteUsage() {
        return allocator.siteUsage();
    }

    @Override
    public void sampleAllocations(long meanBytes, AllocationSampler sampler) {
        allocator.sampleAllocations(meanBytes, sampler);
    }

    @Override
    public int liveSiteOf(long address) {
        return allocator.liveSiteOf(address);
    }

    @Override
    public HakmemStats stats() {
        return allocator.stats();
    }

    @Override
    public void trim() {
        allocator.trim();
    }

    @Override
    public void releaseThreadCache() {
        allocator.releaseThreadCache();
    }

    @Override
    public void close() {
        allocator.close();
    }
}
