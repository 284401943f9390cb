package dev.hakmem.refill.os;

import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mmap route purges by OS pages ({@code getpagesize()}), not only by the page map's 64 KiB:
 * exactly the pages asked for read zeros afterwards, and a range that is not whole OS pages is
 * refused with a message naming the page size (madvise would round its length up, past the range).
 */
class OsPagePurgeTest {
    @Test
    void shouldPurgeExactlyTheOsPagesAskedForAndRefuseAnythingElse() {
        OsMemory os = OsMemory.mmap();
        long granule = os.purgeGranule();
        assertTrue(granule >= 4096 && Long.bitCount(granule) == 1 && OsMemory.ALIGNMENT % granule == 0, "granule " + granule);
        Mapping mapping = os.map(OsMemory.ALIGNMENT);
        try {
            var bytes = mapping.segment();
            bytes.fill((byte) 0x5A);
            if (granule < OsMemory.ALIGNMENT) {
                assertTrue(os.purge(mapping, granule, granule));
                assertEquals((byte) 0x5A, bytes.get(ValueLayout.JAVA_BYTE, granule - 1), "the page before is untouched");
                assertEquals((byte) 0, bytes.get(ValueLayout.JAVA_BYTE, granule), "the purged page reads zeros");
                assertEquals((byte) 0, bytes.get(ValueLayout.JAVA_BYTE, 2 * granule - 1));
                assertEquals((byte) 0x5A, bytes.get(ValueLayout.JAVA_BYTE, 2 * granule), "the page after is untouched");
            }
            IllegalArgumentException half = assertThrows(IllegalArgumentException.class, () -> os.purge(mapping, granule / 2, granule));
            assertTrue(half.getMessage().contains(granule + "-byte OS pages"), half.getMessage());
            assertThrows(IllegalArgumentException.class, () -> os.purge(mapping, 0, granule / 2));
            IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                    () -> os.purge(mapping, OsMemory.ALIGNMENT - granule, 2 * granule));
            assertTrue(past.getMessage().contains("inside a mapping of " + OsMemory.ALIGNMENT), past.getMessage());
        } finally {
            os.unmap(mapping);
            os.close();
        }
    }
}
