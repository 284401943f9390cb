package dev.hakmem.it.apps;

import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * A pool and a leak side by side, for the report's views: each round, every slot of a 32-slot ring
 * is freed and allocated again (live bytes flat while it churns: a pool), and eight 16 KiB blocks
 * are allocated and never freed (live bytes rising every round: a leak). {@code args[0]} rounds of
 * {@code args[1]} ms.
 */
public final class LeakApp {
    private LeakApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        int rounds = Integer.parseInt(args[0]);
        long pause = Long.parseLong(args[1]);
        long[] ring = new long[32];
        long[] leaked = new long[rounds * 8];
        for (int round = 0; round < rounds; round++) {
            for (int slot = 0; slot < ring.length; slot++) {
                if (ring[slot] != 0) {
                    UNSAFE.freeMemory(ring[slot]);
                }
                ring[slot] = UNSAFE.allocateMemory(1024); // site:pool
            }
            for (int i = 0; i < 8; i++) {
                leaked[round * 8 + i] = UNSAFE.allocateMemory(16 * 1024); // site:leak
            }
            Thread.sleep(pause);
        }
        System.out.println("leakedBlocks=" + leaked.length);
        Checks.ok();
    }
}
