package dev.hakmem.it.apps;

import java.util.HashSet;
import java.util.Set;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * Invalid frees through rewritten {@code Unsafe.freeMemory}: a double free of a 64-byte block, then
 * (argument {@code more}) double frees of a 16 KiB and a 200 KB block and a free of an interior
 * pointer; or (argument {@code huge}) a double free of a 2 MiB block, which hakmem maps on its own;
 * or (argument {@code evicted}) double frees of a 2 MiB block after six other huge blocks came and
 * went (more than the huge cache keeps) and of a 100 MiB block (larger than the cache takes at all);
 * or (argument {@code given-back}) a double free of a 3000-byte block of a thread that has ended,
 * after its first free emptied the span, which went back to its chunk.
 * After each, the program goes on and checks that the allocator still hands out distinct, usable blocks.
 * Prints {@code invalidFrees=<how many it did>}.
 */
public final class DoubleFreeApp {
    private DoubleFreeApp() {
    }

    public static void main(String[] args) {
        int invalid = 0;
        if (args.length > 0 && args[0].equals("huge")) {
            invalid += doubleFree(2 << 20);
        } else if (args.length > 0 && args[0].equals("given-back")) {
            long block = onAThreadThatEnds(() -> UNSAFE.allocateMemory(3000)); // site:given-back-allocate
            onAThreadThatEnds(() -> UNSAFE.allocateMemory(16)); // a new thread's cache retires the dead one's
            UNSAFE.freeMemory(block); // site:given-back-free
            long[] churn = new long[300];
            for (int i = 0; i < churn.length; i++) {
                churn[i] = UNSAFE.allocateMemory(64); // refills hand this thread's pending frees over
            }
            UNSAFE.freeMemory(block); // site:given-back-second-free
            invalid++;
            for (long b : churn) {
                UNSAFE.freeMemory(b);
            }
        } else if (args.length > 0 && args[0].equals("evicted")) {
            long block = UNSAFE.allocateMemory(2 << 20); // site:evicted-allocate
            UNSAFE.freeMemory(block);
            for (int i = 1; i <= 6; i++) {
                UNSAFE.freeMemory(UNSAFE.allocateMemory((2L + 2 * i) << 20)); // sizes the evicted block cannot serve
            }
            UNSAFE.freeMemory(block); // site:evicted-second-free
            invalid++;
            invalid += doubleFree(100 << 20);
        } else {
            long block = UNSAFE.allocateMemory(64); // site:first-allocate
            UNSAFE.freeMemory(block); // site:first-free
            UNSAFE.freeMemory(block); // site:second-free
            invalid++;
            if (args.length > 0 && args[0].equals("more")) {
                invalid += doubleFree(16 << 10);
                invalid += doubleFree(200_000);
                long live = UNSAFE.allocateMemory(256); // site:interior-allocate
                UNSAFE.freeMemory(live + 16); // site:interior-free
                invalid++;
                UNSAFE.freeMemory(live); // site:interior-owner-free
            }
        }
        stillWorks();
        System.out.println("invalidFrees=" + invalid);
        Checks.ok();
    }

    private static long onAThreadThatEnds(java.util.function.LongSupplier allocation) {
        long[] block = new long[1];
        Thread thread = new Thread(() -> block[0] = allocation.getAsLong());
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return block[0];
    }

    private static int doubleFree(long size) {
        long block = UNSAFE.allocateMemory(size); // site:sized-allocate
        UNSAFE.freeMemory(block); // site:sized-free
        UNSAFE.freeMemory(block); // site:sized-second-free
        return 1;
    }

    /** A corrupted free list would hand out one block twice; these must all be distinct. */
    private static void stillWorks() {
        Set<Long> seen = new HashSet<>();
        long[] blocks = new long[2000];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = UNSAFE.allocateMemory(64 << (i % 9)); // site:after
            check(blocks[i] != 0 && seen.add(blocks[i]), "block " + i + " at 0x" + Long.toHexString(blocks[i]) + " was handed out twice");
        }
        for (long block : blocks) {
            UNSAFE.freeMemory(block); // site:after-free
        }
    }
}
