package dev.hakmem.refill.os;

import java.lang.foreign.MemorySegment;

/**
 * A range of address space from the OS, already aligned to {@link OsMemory#ALIGNMENT}. Pages are
 * committed on first touch and given back when the mapping is {@link OsMemory#unmap unmapped}.
 *
 * @param segment the aligned, usable range
 * @param handle  what the OS boundary needs to give the range back
 */
public record Mapping(MemorySegment segment, Object handle) {
    public long address() {
        return segment.address();
    }

    public long byteSize() {
        return segment.byteSize();
    }
}
