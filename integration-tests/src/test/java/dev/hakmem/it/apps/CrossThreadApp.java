package dev.hakmem.it.apps;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * Memory allocated on one thread and freed on others. {@code platform}: a producer allocates
 * {@code Unsafe} blocks and direct buffers, writes them, and hands them through queues to two
 * consumers, which check and free them ({@code freeMemory}, {@code invokeCleaner}).
 * {@code virtual <threads> <inFlight> [churn]}: that many virtual threads, at most {@code inFlight} at a
 * time (0: no bound), each allocate, yield (so they may resume on another carrier), check and free, and
 * hand a second buffer to whichever virtual thread comes next, which frees it; with {@code churn},
 * short-lived platform threads allocate and die meanwhile. Everything is freed at the end.
 */
public final class CrossThreadApp {
    private static final int BLOCKS = 20_000;
    private static final long[] POISON = {0, 0};

    private CrossThreadApp() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "platform" -> platformThreads();
            case "virtual" -> {
                Thread churn = args.length > 3 && args[3].equals("churn") ? shortLivedPlatformThreads() : null;
                virtualThreads(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
                if (churn != null) {
                    churn.interrupt();
                    churn.join();
                }
            }
            default -> Checks.fail("usage: platform | virtual <threads> <inFlight> [churn]");
        }
        Checks.ok();
    }

    private static void platformThreads() throws InterruptedException {
        BlockingQueue<long[]> blocks = new ArrayBlockingQueue<>(256);
        BlockingQueue<ByteBuffer> buffers = new ArrayBlockingQueue<>(256);
        AtomicInteger blocksFreed = new AtomicInteger();
        AtomicInteger buffersFreed = new AtomicInteger();
        Thread producer = Thread.ofPlatform().name("producer").start(() -> {
            try {
                for (int i = 0; i < BLOCKS; i++) {
                    long size = 16 + (i * 37L) % 4000;
                    long address = UNSAFE.allocateMemory(size); // site:producer-allocate
                    UNSAFE.putLong(address, address ^ i);
                    UNSAFE.putByte(address + size - 1, (byte) i);
                    blocks.put(new long[] {address, size, i});
                    ByteBuffer buffer = ByteBuffer.allocateDirect((int) size); // site:producer-direct
                    buffer.putInt(0, i);
                    buffers.put(buffer);
                }
                for (int c = 0; c < 2; c++) {
                    blocks.put(POISON);
                    buffers.put(ByteBuffer.allocate(0));
                }
            } catch (InterruptedException e) {
                Checks.fail("producer interrupted");
            }
        });
        List<Thread> consumers = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            consumers.add(Thread.ofPlatform().name("consumer-" + c).start(() -> {
                try {
                    for (long[] block = blocks.take(); block != POISON; block = blocks.take()) {
                        long address = block[0];
                        check(UNSAFE.getLong(address) == (address ^ block[2]), "block " + block[2] + " lost its head");
                        check(UNSAFE.getByte(address + block[1] - 1) == (byte) block[2], "block " + block[2] + " lost its tail");
                        UNSAFE.freeMemory(address); // site:consumer-free
                        blocksFreed.incrementAndGet();
                        ByteBuffer buffer = buffers.take();
                        check(buffer.isDirect(), "a buffer arrived that is not direct");
                        UNSAFE.invokeCleaner(buffer); // site:consumer-clean
                        buffersFreed.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    Checks.fail("consumer interrupted");
                }
            }));
        }
        producer.join();
        for (Thread consumer : consumers) {
            consumer.join();
        }
        check(blocksFreed.get() == BLOCKS && buffersFreed.get() == BLOCKS,
                "freed " + blocksFreed + " blocks and " + buffersFreed + " buffers of " + BLOCKS);
        System.out.println("platform=ok");
    }

    /**
     * Platform threads that allocate, free and die, one after another until interrupted: their
     * caches are left for the allocator to retire while the virtual threads run.
     */
    private static Thread shortLivedPlatformThreads() {
        return Thread.ofPlatform().name("churn").daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                Thread worker = Thread.ofPlatform().start(() -> {
                    long[] blocks = new long[512];
                    for (int i = 0; i < blocks.length; i++) {
                        blocks[i] = UNSAFE.allocateMemory(64 + 64 * (i % 32)); // site:churn-allocate
                    }
                    for (long block : blocks) {
                        UNSAFE.freeMemory(block); // site:churn-free
                    }
                });
                if (!joinUninterruptibly(worker)) {
                    return;
                }
            }
        });
    }

    /**
     * Waits for {@code worker} even if interrupted meanwhile: the report is written at exit, and a
     * worker still between its allocations and its frees would show as live blocks.
     *
     * @return false if the caller was interrupted (its interrupt status is set again)
     */
    private static boolean joinUninterruptibly(Thread worker) {
        boolean interrupted = false;
        while (true) {
            try {
                worker.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return !interrupted;
    }

    private static void virtualThreads(int threads, int inFlight) throws InterruptedException {
        ConcurrentLinkedQueue<ByteBuffer> handOff = new ConcurrentLinkedQueue<>();
        AtomicInteger done = new AtomicInteger();
        Semaphore slots = new Semaphore(inFlight > 0 ? inFlight : threads);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                int id = t;
                slots.acquire();
                executor.submit(() -> {
                    int size = 64 + (id % 64) * 64;
                    ByteBuffer own = ByteBuffer.allocateDirect(size); // site:virtual-direct
                    own.putInt(0, id);
                    own.putInt(size - 4, ~id);
                    long block = UNSAFE.allocateMemory(size); // site:virtual-allocate
                    UNSAFE.putInt(block, id);
                    Thread.yield();
                    check(own.getInt(0) == id && own.getInt(size - 4) == ~id, "virtual thread " + id + ": buffer changed");
                    check(UNSAFE.getInt(block) == id, "virtual thread " + id + ": block changed");
                    UNSAFE.invokeCleaner(own); // site:virtual-clean
                    UNSAFE.freeMemory(block); // site:virtual-free
                    handOff.add(ByteBuffer.allocateDirect(128)); // site:virtual-hand-off
                    ByteBuffer other = handOff.poll();
                    if (other != null) {
                        UNSAFE.invokeCleaner(other); // site:virtual-clean-other
                    }
                    done.incrementAndGet();
                    slots.release();
                    return null;
                });
            }
        }
        for (ByteBuffer left = handOff.poll(); left != null; left = handOff.poll()) {
            UNSAFE.invokeCleaner(left); // site:clean-left-over
        }
        check(done.get() == threads, done + " of " + threads + " virtual threads finished");
        System.out.println("virtual=ok");
    }
}
