package dev.hakmem.agent.observe;

import dev.hakmem.agent.report.ReportSnapshot;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CachedSnapshotTest {
    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final AtomicInteger taken = new AtomicInteger();
    private final CachedSnapshot cache = new CachedSnapshot(() -> {
        taken.incrementAndGet();
        return new SnapshotFixture().build();
    }, now::get);

    @Test
    void shouldTakeOneSnapshotForAllReadsWithinASecond() {
        ReportSnapshot first = cache.get();
        now.addAndGet(CachedSnapshot.MAX_AGE_NANOS - 1);
        assertSame(first, cache.get());
        assertEquals(1, taken.get());
    }

    @Test
    void shouldTakeANewSnapshotOnceTheLastIsASecondOld() {
        ReportSnapshot first = cache.get();
        now.addAndGet(CachedSnapshot.MAX_AGE_NANOS);
        ReportSnapshot second = cache.get();
        assertEquals(2, taken.get());
        assertSame(second, cache.get());
        assertEquals(false, first == second);
    }

    @Test
    void shouldTakeANewSnapshotAfterInvalidate() {
        cache.get();
        cache.invalidate();
        cache.get();
        assertEquals(2, taken.get());
    }

    @Test
    void shouldKeepNothingWhenTheSourceThrows() {
        CachedSnapshot failing = new CachedSnapshot(() -> {
            if (taken.incrementAndGet() == 1) {
                throw new IllegalStateException("walking the blocks failed");
            }
            return new SnapshotFixture().build();
        }, now::get);
        assertThrows(IllegalStateException.class, failing::get);
        failing.get();
        assertEquals(2, taken.get(), "a failure is not cached: the next read tries again");
    }
}
