package dev.hakmem.it.apps;

import java.nio.ByteBuffer;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * A program that uses {@code sun.misc.Unsafe} only for {@code invokeCleaner}, on buffers from
 * {@code allocateDirect}: on the JDK alone, the first {@code invokeCleaner} prints the JEP 498 warning.
 */
public final class CleanerOnlyApp {
    private CleanerOnlyApp() {
    }

    public static void main(String[] args) {
        for (int i = 0; i < 100; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1024 + i); // site:cleaner-only-allocate
            buffer.putInt(1020, i);
            check(buffer.getInt(1020) == i, "buffer " + i);
            UNSAFE.invokeCleaner(buffer); // site:cleaner-only-clean
        }
        Checks.ok();
    }
}
