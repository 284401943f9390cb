package dev.hakmem.it.apps;

import org.example.blocks.BlockStore;

/**
 * Two callers of one library site, for the report's call paths and ages: the audit log takes 1,000
 * blocks of 1 KiB and keeps them; {@code args[0]} ms later the order book takes 3,000 and keeps them
 * too, and a scratch step takes 2,000 and gives them back. So the store's site holds 4,000 blocks at
 * exit, three quarters of them under {@link #orders}, and its oldest live block is the audit log's.
 */
public final class CallPathApp {
    private CallPathApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        long pause = Long.parseLong(args[0]);
        long[] audit = audit();
        Thread.sleep(pause);
        long[] orders = orders();
        BlockStore.give(scratch());
        System.out.println("kept=" + (audit.length + orders.length));
        Checks.ok();
    }

    private static long[] audit() {
        return BlockStore.take(1_000, 1024); // site:audit
    }

    private static long[] orders() {
        return BlockStore.take(3_000, 1024); // site:orders
    }

    private static long[] scratch() {
        return BlockStore.take(2_000, 1024); // site:scratch
    }
}
