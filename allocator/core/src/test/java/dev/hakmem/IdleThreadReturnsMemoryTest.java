package dev.hakmem;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;

import static dev.hakmem.TestMemory.mib;
import static dev.hakmem.TestMemory.residentBytes;
import static dev.hakmem.TestMemory.touchPages;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thread frees a burst but for one block in 64 and goes idle, calling neither
 * {@code releaseThreadCache()} nor {@code trim()}: the live blocks keep every chunk (and most spans)
 * in use, so nothing can go back as whole chunks. Within a few decays the purger must give back the
 * pages that hold no live block (released spans' pages, the idle heap's spare spans, its spans'
 * free pages): RSS falls back to within a quarter of the burst of where it started, while hakmem
 * keeps the burst's chunks mapped. Polls with a generous timeout; no sleep stands for a synchronisation.
 */
class IdleThreadReturnsMemoryTest {
    private static final long BURST = 128L << 20;
    private static final int SIZE = 16 * 1024;
    private static final int KEEP_EVERY = 64;

    @Test
    @Timeout(120)
    void shouldGiveBackTheFreePagesOfAnIdleThreadsChunksWithoutATrim() throws Exception {
        HakmemConfig config = HakmemConfig.builder().osRoute(HakmemConfig.OsRoute.MMAP).chunkDecayMillis(300).build();
        try (HakmemAllocator allocator = HakmemAllocator.create(config)) {
            int count = (int) (BURST / SIZE);
            long[] blocks = new long[count];
            CountDownLatch burstFreed = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            long rssStart = residentBytes();
            Thread worker = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < count; i++) {
                    blocks[i] = allocator.allocate(SIZE);
                    touchPages(blocks[i], SIZE);
                }
                for (int i = 0; i < count; i++) {
                    if (i % KEEP_EVERY != 0) {
                        allocator.free(blocks[i]);
                    }
                }
                burstFreed.countDown();
                try {
                    done.await(); // idle: no cold path until the test is over
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (int i = 0; i < count; i += KEEP_EVERY) {
                    allocator.free(blocks[i]);
                }
            });
            try {
                burstFreed.await();
                long rssPeak = residentBytes();
                assertTrue(rssPeak - rssStart >= BURST * 3 / 4,
                        "the burst must show in RSS for the test to mean anything: " + mib(rssStart) + " -> " + mib(rssPeak));
                long allowed = BURST / 4;
                long deadline = System.nanoTime() + 60_000_000_000L;
                long rssNow = residentBytes();
                while (rssNow - rssStart > allowed && System.nanoTime() < deadline) {
                    Thread.sleep(50); // polling: the purger works on its own schedule
                    rssNow = residentBytes();
                }
                HakmemStats s = allocator.stats();
                System.out.printf("IdleThreadReturnsMemoryTest: RSS %s -> %s -> %s, mapped %s, purged %s in %d calls%n",
                        mib(rssStart), mib(rssPeak), mib(rssNow), mib(s.mappedBytes()), mib(s.purgedBytes()), s.purgeCalls());
                assertTrue(rssNow - rssStart <= allowed, "RSS " + mib(rssStart) + " before the burst, " + mib(rssPeak)
                        + " at its peak, still " + mib(rssNow) + " with the thread idle; allowed " + mib(allowed) + " more: " + s);
                assertTrue(s.mappedBytes() >= BURST / 2, "the live blocks keep the chunks mapped: memory went back by pages: " + s);
                assertTrue(s.purgedBytes() >= BURST / 2, s.toString());
            } finally {
                done.countDown();
                worker.join();
            }
        }
    }
}
