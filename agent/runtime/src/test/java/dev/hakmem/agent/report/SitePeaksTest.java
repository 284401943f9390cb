package dev.hakmem.agent.report;

import dev.hakmem.SiteUsage;
import org.junit.jupiter.api.Test;

import java.util.List;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SitePeaksTest {
    @Test
    void shouldSampleEvery100MillisWhileASampleIsCheap() {
        assertEquals(100, SitePeaks.nextSampleDelayMillis(0));
        assertEquals(100, SitePeaks.nextSampleDelayMillis(TimeUnit.MILLISECONDS.toNanos(2)));
    }

    @Test
    void shouldKeepSamplingUnderTwoPercentOfACoreWhenASampleIsSlow() {
        assertEquals(500, SitePeaks.nextSampleDelayMillis(TimeUnit.MILLISECONDS.toNanos(10)));
        assertEquals(50_000, SitePeaks.nextSampleDelayMillis(TimeUnit.SECONDS.toNanos(1)));
    }

    @Test
    void shouldKeepTheHighestLiveBytesSeenPerSite() {
        SitePeaks peaks = new SitePeaks();
        peaks.sample(List.of(new SiteUsage(1, 10, 2, 1000, 200), new SiteUsage(2, 1, 0, 64, 0)), 1_000);
        peaks.sample(List.of(new SiteUsage(1, 12, 11, 1200, 1100), new SiteUsage(2, 3, 0, 192, 0)), 2_000);
        peaks.sample(List.of(new SiteUsage(1, 13, 12, 1800, 1000)), 3_000);
        assertEquals(new SitePeaks.Peak(800, 1_000), peaks.peak(1), "the first time the highest value was seen");
        assertEquals(new SitePeaks.Peak(192, 2_000), peaks.peak(2));
        assertEquals(0, peaks.peak(3).bytes());
        peaks.reset();
        assertEquals(0, peaks.peak(1).bytes());
    }
}
