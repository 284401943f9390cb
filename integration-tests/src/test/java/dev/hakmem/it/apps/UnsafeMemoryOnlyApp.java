package dev.hakmem.it.apps;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * A program whose only {@code sun.misc.Unsafe} memory calls are {@code allocateMemory},
 * {@code reallocateMemory} and {@code freeMemory}; it reads and writes the memory through FFM
 * ({@code MemorySegment.reinterpret} is restricted: run it with {@code --enable-native-access=ALL-UNNAMED}).
 */
public final class UnsafeMemoryOnlyApp {
    private UnsafeMemoryOnlyApp() {
    }

    public static void main(String[] args) {
        long address = UNSAFE.allocateMemory(4096); // site:deny-allocate
        MemorySegment small = MemorySegment.ofAddress(address).reinterpret(4096);
        for (long i = 0; i < 4096; i += 8) {
            small.set(ValueLayout.JAVA_LONG_UNALIGNED, i, i * 3);
        }
        address = UNSAFE.reallocateMemory(address, 1 << 20); // site:deny-reallocate
        MemorySegment large = MemorySegment.ofAddress(address).reinterpret(1 << 20);
        for (long i = 0; i < 4096; i += 8) {
            check(large.get(ValueLayout.JAVA_LONG_UNALIGNED, i) == i * 3, "reallocateMemory lost the contents at " + i);
        }
        UNSAFE.freeMemory(address); // site:deny-free
        Checks.ok();
    }
}
