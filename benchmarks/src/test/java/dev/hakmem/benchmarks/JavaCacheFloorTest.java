package dev.hakmem.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JavaCacheFloorTest {
    @Test
    void shouldReadAFeatureListWithSpacesAndEmptyItems() {
        assertEquals(Set.of("thread", "states"), JavaCacheFloor.features(" thread,, states "));
        assertEquals(Set.of(), JavaCacheFloor.features(""));
    }

    @Test
    void shouldRefuseAnUnknownFeatureNamingItAndTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JavaCacheFloor.features("thread,stats"));
        assertTrue(e.getMessage().contains("floor.features=thread,stats"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown feature stats"), e.getMessage());
        assertTrue(e.getMessage().contains("twolevel"), e.getMessage());
    }

    @Test
    void shouldAllocateAndFreeAndRefuseADoubleFreeAndASecondThread() throws Exception {
        JavaCacheFloor floor = new JavaCacheFloor(); // every feature on: the default
        long a = floor.allocate(100);
        long b = floor.allocate(100);
        assertTrue(a != b);
        floor.free(a);
        IllegalStateException doubleFree = assertThrows(IllegalStateException.class, () -> floor.free(a));
        assertTrue(doubleFree.getMessage().contains(Long.toHexString(a)), doubleFree.getMessage());
        assertEquals(a, floor.allocate(100), "the floor's stack hands the freed block back first");
        assertThrows(IllegalArgumentException.class, () -> floor.allocate(0));
        assertThrows(IllegalArgumentException.class, () -> floor.allocate(65 * 1024));

        Throwable[] other = new Throwable[1];
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                floor.allocate(100);
            } catch (Throwable t) {
                other[0] = t;
            }
        });
        thread.join();
        assertTrue(other[0] instanceof IllegalStateException && other[0].getMessage().contains("one thread"),
                String.valueOf(other[0]));
    }
}
