package dev.hakmem;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Phaser;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The soak: Larson-style traffic on two threads (each replaces random blocks of its own, hands
 * blocks to the other through a queue for it to free, and reallocates), with misuse mixed in
 * (double frees, interior pointers, foreign addresses, negative and impossible sizes), each of
 * which must throw its documented exception and change nothing. Every {@value #CHECK_MILLIS} ms
 * both threads stop and the checker asserts: the model's live blocks (a {@code TreeMap} of address
 * to usable size, which also refuses any overlap as blocks come in) equal the allocator's
 * {@code allocations - frees} and {@code liveBlocks}, their bytes its {@code liveBytes}; the
 * engine's bookkeeping is sound; and the mapped memory stays under {@value #MAPPED_BOUND_MIB} MiB
 * (the live set is about 30 MiB). Every block carries a tag in its first and last 8 bytes,
 * checked at its free, so a block handed out twice or overwritten by the allocator is found too.
 *
 * <p>{@code -Dsoak.seconds} sets the duration: 30 in {@code ./mvnw verify}; {@code bin/soak [minutes]}
 * runs the long one and prints the summary line this test writes to {@code -Dsoak.summary}.
 */
@Tag("soak")
class SoakTest {
    private static final int THREADS = 2;
    private static final int SLOTS = 1_000;
    private static final int QUEUE = 4_096;
    private static final long CHECK_MILLIS = 500;
    private static final long MAPPED_BOUND_MIB = 256;

    private final TreeMap<Long, Long> model = new TreeMap<>();
    private final AtomicLong violations = new AtomicLong();
    private final ConcurrentLinkedQueue<String> firstViolations = new ConcurrentLinkedQueue<>();
    private final AtomicLong operations = new AtomicLong();
    private final AtomicLong misuses = new AtomicLong();
    private volatile boolean pause;
    private volatile boolean stop;

    private void violation(String what) {
        if (violations.incrementAndGet() <= 20) {
            firstViolations.add(what);
        }
    }

    @Test
    void shouldKeepEveryInvariantThroughLarsonTrafficWithMisuseForTheGivenTime() throws Exception {
        long seconds = Long.getLong("soak.seconds", 30);
        Phaser phaser = new Phaser(THREADS + 1);
        long peakMapped = 0;
        long checks = 0;
        long elapsedNanos;
        try (HakmemAllocator a = HakmemAllocator.create(HakmemConfig.defaults())) {
            List<ArrayBlockingQueue<long[]>> inboxes = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                inboxes.add(new ArrayBlockingQueue<>(QUEUE));
            }
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Worker w = new Worker(a, t, inboxes.get(t), inboxes.get((t + 1) % THREADS), phaser);
                workers.add(Thread.ofPlatform().name("soak-" + t).start(w));
            }
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end && violations.get() == 0) {
                Thread.sleep(CHECK_MILLIS);
                pause = true;
                phaser.arriveAndAwaitAdvance(); // both workers stopped
                peakMapped = Math.max(peakMapped, check(a));
                checks++;
                pause = false;
                phaser.arriveAndAwaitAdvance(); // go on
            }
            stop = true;
            phaser.arriveAndDeregister();
            elapsedNanos = System.nanoTime() - end + seconds * 1_000_000_000L;
            for (Thread w : workers) {
                w.join();
            }
            for (ArrayBlockingQueue<long[]> q : inboxes) {
                for (long[] block; (block = q.poll()) != null; ) {
                    release(a, block);
                }
            }
            synchronized (model) {
                if (!model.isEmpty()) {
                    violation(model.size() + " blocks left in the model after every worker freed its own");
                }
            }
            HakmemStats s = a.stats();
            if (s.liveBlocks() != 0 || s.allocations() != s.frees()) {
                violation("blocks live at the end: " + s);
            }
            List<String> wrong = ((DefaultAllocator) a).checkInvariants();
            wrong.forEach(this::violation);
        }
        String summary = String.format("soak: %,d operations, %d threads, %.1f minutes, %,d misuses tried, %d checks, peak mapped %d MiB (bound %d), violations = %d",
                operations.get(), THREADS, elapsedNanos / 60e9, misuses.get(), checks, peakMapped >> 20, MAPPED_BOUND_MIB, violations.get());
        System.out.println(summary);
        String file = System.getProperty("soak.summary");
        if (file != null) {
            try {
                Files.writeString(Path.of(file), summary + System.lineSeparator());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        assertEquals(0, violations.get(), () -> summary + ": " + firstViolations);
        assertTrue(operations.get() > 0 && misuses.get() > 0 && checks > 0, summary);
    }

    /** With both workers stopped: the model against the statistics and the engine; returns the mapped bytes. */
    private long check(HakmemAllocator a) {
        HakmemStats s = a.stats();
        long blocks;
        long bytes = 0;
        synchronized (model) {
            blocks = model.size();
            for (long usable : model.values()) {
                bytes += usable;
            }
        }
        if (s.allocations() - s.frees() != blocks || s.liveBlocks() != blocks || s.liveBytes() != bytes) {
            violation("model holds " + blocks + " blocks of " + bytes + " bytes, the allocator " + s);
        }
        if (s.mappedBytes() > MAPPED_BOUND_MIB << 20) {
            violation("mapped " + s.mappedBytes() + " bytes, over the bound of " + MAPPED_BOUND_MIB + " MiB");
        }
        ((DefaultAllocator) a).checkInvariants().forEach(this::violation);
        return s.mappedBytes();
    }

    /** Takes a new block into the model, refusing an overlap with any live block. */
    private void admit(long address, long usable) {
        synchronized (model) {
            Map.Entry<Long, Long> below = model.floorEntry(address);
            Map.Entry<Long, Long> above = model.ceilingEntry(address);
            if (below != null && below.getKey() + below.getValue() > address
                    || above != null && address + usable > above.getKey()) {
                violation("block 0x" + Long.toHexString(address) + " of " + usable + " bytes overlaps a live block");
            }
            model.put(address, usable);
        }
    }

    private void forget(long address) {
        synchronized (model) {
            if (model.remove(address) == null) {
                violation("block 0x" + Long.toHexString(address) + " freed but not in the model");
            }
        }
    }

    /** {address, size, tag} */
    private static long[] block(long address, long size, long tag) {
        TestMemory.putLong(address, 0, tag);
        if (size >= 16) {
            TestMemory.putLong(address, size - 8, ~tag);
        }
        return new long[] {address, size, tag};
    }

    private void verifyTag(long[] block) {
        long address = block[0];
        if (TestMemory.getLong(address, 0) != block[2] || block[1] >= 16 && TestMemory.getLong(address, block[1] - 8) != ~block[2]) {
            violation("block 0x" + Long.toHexString(address) + " of " + block[1] + " bytes lost its tag");
        }
    }

    private void release(HakmemAllocator a, long[] block) {
        verifyTag(block);
        forget(block[0]);
        a.free(block[0]);
        operations.incrementAndGet();
    }

    private final class Worker implements Runnable {
        private final HakmemAllocator a;
        private final SplittableRandom random;
        private final ArrayBlockingQueue<long[]> inbox;
        private final ArrayBlockingQueue<long[]> outbox;
        private final Phaser phaser;
        private final long[][] slots = new long[SLOTS][];
        private final long foreign;
        private long tags;

        Worker(HakmemAllocator a, int id, ArrayBlockingQueue<long[]> inbox, ArrayBlockingQueue<long[]> outbox, Phaser phaser) {
            this.a = a;
            this.random = new SplittableRandom(1_000 + id);
            this.inbox = inbox;
            this.outbox = outbox;
            this.phaser = phaser;
            this.foreign = Arena.global().allocate(64, 16).address();
            this.tags = (long) id << 56;
        }

        private long size() {
            int r = random.nextInt(1_000);
            if (r < 700) {
                return random.nextLong(1, 1_025);
            }
            if (r < 900) {
                return random.nextLong(1_025, 57_345);
            }
            if (r < 998) {
                return random.nextLong(57_345, 262_145);
            }
            return random.nextLong((1 << 20) + 1, 4 << 20);
        }

        private long[] allocate(long size) {
            long address = a.allocate(size, 1 + (int) (size & 7));
            admit(address, a.usableSize(address));
            operations.incrementAndGet();
            return block(address, size, ++tags);
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    for (int i = 0; i < 256; i++) {
                        step();
                    }
                    if (pause) {
                        phaser.arriveAndAwaitAdvance();
                        phaser.arriveAndAwaitAdvance();
                    }
                }
                for (long[] block : slots) {
                    if (block != null) {
                        release(a, block);
                    }
                }
                for (long[] block; (block = inbox.poll()) != null; ) {
                    release(a, block);
                }
            } catch (Throwable t) {
                violation(Thread.currentThread().getName() + " died: " + t);
            } finally {
                phaser.arriveAndDeregister();
            }
        }

        private void step() {
            for (int i = 0; i < 2; i++) {
                long[] handed = inbox.poll();
                if (handed != null) {
                    release(a, handed); // a cross-thread free
                }
            }
            int slot = random.nextInt(SLOTS);
            long[] block = slots[slot];
            int r = random.nextInt(1_000);
            if (block == null) {
                slots[slot] = allocate(size());
            } else if (r < 600) {
                release(a, block);
                slots[slot] = allocate(size());
            } else if (r < 850) {
                slots[slot] = outbox.offer(block) ? allocate(size()) : block;
            } else if (r < 990) {
                slots[slot] = reallocate(block, size());
            } else {
                misuse(block);
            }
        }

        private long[] reallocate(long[] block, long size) {
            verifyTag(block);
            forget(block[0]);
            long moved = a.reallocate(block[0], size);
            admit(moved, a.usableSize(moved));
            operations.incrementAndGet();
            if (size >= 8 && TestMemory.getLong(moved, 0) != block[2]) {
                violation("reallocate of 0x" + Long.toHexString(block[0]) + " lost the block's first bytes");
            }
            return block(moved, size, ++tags);
        }

        private <T extends Throwable> void expect(Class<T> type, Runnable call, String what) {
            misuses.incrementAndGet();
            try {
                call.run();
                violation(what + ": nothing was thrown");
            } catch (Throwable t) {
                if (!type.isInstance(t)) {
                    violation(what + ": " + t + " instead of " + type.getSimpleName());
                }
            }
        }

        private void expectInvalidFree(InvalidFreeException.Reason reason, long address, String what) {
            misuses.incrementAndGet();
            try {
                a.free(address);
                violation(what + ": nothing was thrown");
            } catch (InvalidFreeException e) {
                if (e.reason() != reason) {
                    violation(what + ": " + e.reason() + " instead of " + reason);
                }
            }
        }

        /** One misuse, around the live block {@code block}, which must stay as it was. */
        private void misuse(long[] block) {
            switch (random.nextInt(6)) {
                case 0 -> {
                    long[] gone = allocate(size());
                    release(a, gone);
                    expectInvalidFree(InvalidFreeException.Reason.NOT_ALLOCATED, gone[0], "double free");
                }
                case 1 -> expectInvalidFree(InvalidFreeException.Reason.INTERIOR,
                        block[0] + 1 + random.nextLong(a.usableSize(block[0]) - 1), "interior pointer");
                case 2 -> {
                    expectInvalidFree(InvalidFreeException.Reason.FOREIGN, foreign, "foreign address");
                    misuses.incrementAndGet();
                    if (a.tryFree(foreign) || a.release(foreign) != HakmemAllocator.FOREIGN) {
                        violation("tryFree/release took a foreign address for hakmem's");
                    }
                }
                case 3 -> expect(IllegalArgumentException.class, () -> a.allocate(-1 - random.nextLong(1L << 40)), "negative size");
                case 4 -> expect(IllegalArgumentException.class, () -> a.reallocate(block[0], -8), "reallocate to a negative size");
                default -> expect(OutOfMemoryError.class, () -> a.allocate(random.nextBoolean() ? Long.MAX_VALUE : 1L << 50), "impossible size");
            }
            verifyTag(block);
        }
    }
}
