package dev.hakmem;

/**
 * A misuse that debug mode ({@code hakmem.debug=true}) found in a block's memory: a write after
 * the block was freed, or past the bytes it was allocated with. Debug mode keeps one record per
 * kind and allocating site, the first block found, and counts the blocks found since
 * ({@link HakmemAllocator#debugFindings()}); it logs each record once, at WARN.
 *
 * @param kind           what was found
 * @param address        the block of the first finding
 * @param size           bytes the block was allocated with (what its user asked for); 0 if it
 *                       was never allocated (a stray write into free memory)
 * @param offset         of the first wrong byte, from the block's start: where the write after free
 *                       landed, or where the overflow began (then at least {@code size})
 * @param allocationSite the site id the block was allocated with ({@link HakmemAllocator#allocate(long, int)});
 *                       0 if none
 * @param freeSite       the site id given to the free ({@link HakmemAllocator#free(long, int)}): for a
 *                       write after free, the free that came before it; for an overflow, the free
 *                       that found it; 0 if none
 * @param occurrences    blocks found so far with this kind and allocating site, this one included
 */
public record DebugFinding(Kind kind, long address, long size, long offset, int allocationSite, int freeSite,
                           long occurrences) {

    public enum Kind {
        /**
         * A freed block's poison was overwritten: found when the block is handed out again (the
         * write happened between its free and that allocation).
         */
        USE_AFTER_FREE,
        /** The canary after the block's last byte was overwritten: found when the block is freed. */
        OVERFLOW
    }

    @Override
    public String toString() {
        String what = kind == Kind.USE_AFTER_FREE
                ? "use after free: block 0x" + Long.toHexString(address) + " of " + size + " bytes was written at offset "
                        + offset + " after its free"
                : "overflow: block 0x" + Long.toHexString(address) + " of " + size + " bytes was written past its end, at offset "
                        + offset;
        return what + " (allocated at site " + allocationSite + ", freed at site " + freeSite + "; " + occurrences
                + (occurrences == 1 ? " block)" : " blocks)");
    }
}
