package dev.hakmem.it.apps;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * The direct-memory limit (run with a 1 MiB limit): holds 64 KiB buffers from three sites (768 KiB,
 * 192 KiB, then as many as fit) until {@code allocateDirect} throws {@code OutOfMemoryError}, prints its
 * message, frees everything with {@code invokeCleaner} and fills the limit again: the limit recovers.
 */
public final class LimitApp {
    private static final int BUFFER_BYTES = 64 << 10;
    private static final int LIMIT_BYTES = 1 << 20;
    private static final List<ByteBuffer> HELD = new ArrayList<>();

    private LimitApp() {
    }

    public static void main(String[] args) {
        for (int i = 0; i < 12; i++) {
            HELD.add(ByteBuffer.allocateDirect(BUFFER_BYTES)); // site:big-holder
        }
        for (int i = 0; i < 3; i++) {
            HELD.add(ByteBuffer.allocateDirect(BUFFER_BYTES)); // site:small-holder
        }
        int untilFull = 0;
        try {
            while (untilFull < 100) {
                HELD.add(ByteBuffer.allocateDirect(BUFFER_BYTES)); // site:until-full
                untilFull++;
            }
            Checks.fail("no OutOfMemoryError after " + HELD.size() + " buffers of " + BUFFER_BYTES + " bytes");
        } catch (OutOfMemoryError e) {
            System.out.println("oome=" + e.getMessage());
        }
        System.out.println("held=" + HELD.size());
        check(HELD.size() * BUFFER_BYTES == LIMIT_BYTES, HELD.size() + " buffers of 64 KiB held at the limit, not 16");

        for (ByteBuffer buffer : HELD) {
            UNSAFE.invokeCleaner(buffer);
        }
        HELD.clear();
        for (int i = 0; i < LIMIT_BYTES / BUFFER_BYTES; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES); // site:after-release
            buffer.putLong(BUFFER_BYTES - 8, i);
            HELD.add(buffer);
        }
        System.out.println("recovered=" + HELD.size());
        Checks.ok();
    }
}
