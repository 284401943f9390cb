package dev.hakmem.it.apps;

import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * Two memory bugs of the kind debug mode finds, planted: a write one byte past a block's end, and a
 * write into a block after it was freed. The program itself goes on, as it would without hakmem.
 */
public final class DebugModeApp {
    private DebugModeApp() {
    }

    public static void main(String[] args) {
        long overflowing = UNSAFE.allocateMemory(24); // site:overflow-allocate
        UNSAFE.putByte(overflowing + 24, (byte) 1); // one byte past the 24 asked for
        UNSAFE.freeMemory(overflowing); // site:overflow-free

        long dangling = UNSAFE.allocateMemory(48); // site:uaf-allocate
        UNSAFE.freeMemory(dangling); // site:uaf-free
        UNSAFE.putLong(dangling + 8, 0xDEADL); // the write after free
        long reused = UNSAFE.allocateMemory(48); // site:uaf-reuse (the thread cache hands the same block out again)
        System.out.println("reused=" + (reused == dangling));
        UNSAFE.freeMemory(reused);

        for (int i = 0; i < 1000; i++) { // clean use: no findings
            long a = UNSAFE.allocateMemory(16 + i);
            UNSAFE.putByte(a + 15 + i, (byte) 7);
            UNSAFE.freeMemory(a);
        }
        Checks.ok();
    }
}
