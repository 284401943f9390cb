package dev.hakmem.it.apps;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * The direct-memory limit with small buffers, which the agent counts against per-thread credit (run
 * with a 64 MiB limit): eight platform threads each hold and free 2,000 buffers of 1 KiB and die,
 * leaving credit behind; then the main thread holds 1 KiB buffers until {@code allocateDirect} throws
 * {@code OutOfMemoryError}. Exactly 65,536 must fit, as on the JDK: the dead threads' credit and the
 * main thread's own must not be lost to the limit. All are freed and the limit is filled again.
 */
public final class LimitCreditApp {
    private static final int BUFFER_BYTES = 1 << 10;
    private static final int LIMIT_BYTES = 64 << 20;
    private static final int WORKERS = 8;

    private LimitCreditApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < WORKERS; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                List<ByteBuffer> held = new ArrayList<>();
                for (int i = 0; i < 2_000; i++) {
                    held.add(ByteBuffer.allocateDirect(BUFFER_BYTES)); // site:worker
                }
                for (ByteBuffer buffer : held) {
                    UNSAFE.invokeCleaner(buffer);
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }

        List<ByteBuffer> held = new ArrayList<>();
        try {
            while (held.size() <= LIMIT_BYTES / BUFFER_BYTES) {
                held.add(ByteBuffer.allocateDirect(BUFFER_BYTES)); // site:until-full
            }
            Checks.fail("no OutOfMemoryError after " + held.size() + " buffers of " + BUFFER_BYTES + " bytes");
        } catch (OutOfMemoryError e) {
            System.out.println("oome=" + e.getMessage());
        }
        System.out.println("held=" + held.size());
        check(held.size() == LIMIT_BYTES / BUFFER_BYTES, held.size() + " buffers of 1 KiB held at a 64 MiB limit, not 65536");

        for (ByteBuffer buffer : held) {
            UNSAFE.invokeCleaner(buffer);
        }
        held.clear();
        for (int i = 0; i < LIMIT_BYTES / BUFFER_BYTES; i++) {
            held.add(ByteBuffer.allocateDirect(BUFFER_BYTES)); // site:after-release
        }
        System.out.println("recovered=" + held.size());
        Checks.ok();
    }
}
