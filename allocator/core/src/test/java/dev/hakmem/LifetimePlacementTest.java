package dev.hakmem;

import dev.hakmem.refill.PageMap;
import dev.hakmem.refill.Span;
import dev.hakmem.refill.spi.PolicySource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Blocks of a site the policy names long-lived are carved from spans of their own, so short-lived
 * blocks of the same size class empty whole spans. The policy is published by hand (no learner thread).
 */
class LifetimePlacementTest {
    private static final int LONG_SITE = 5;
    private static final int SHORT_SITE = 6;
    private static final int BLOCKS = 2_000;

    private static DefaultAllocator allocator() {
        return new DefaultAllocator(HakmemConfig.builder().learn(true).prewarmBytes(0).build(), null, false);
    }

    /** Allocates the two sites' blocks interleaved, one each in turn, on a fresh thread; returns {long blocks, short blocks}. */
    private static List<List<Long>> interleaved(DefaultAllocator allocator) throws InterruptedException {
        List<Long> longBlocks = new ArrayList<>();
        List<Long> shortBlocks = new ArrayList<>();
        Thread thread = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < BLOCKS; i++) {
                longBlocks.add(allocator.allocate(64, LONG_SITE));
                shortBlocks.add(allocator.allocate(64, SHORT_SITE));
            }
        });
        thread.join();
        return List.of(longBlocks, shortBlocks);
    }

    private static Set<Span> spansOf(List<Long> blocks) {
        Set<Span> spans = new HashSet<>();
        for (long address : blocks) {
            spans.add(PageMap.spanOfCachedBlock(address));
        }
        return spans;
    }

    @Test
    void shouldCarveALongLivedSitesBlocksFromSpansOfTheirOwn() throws InterruptedException {
        try (DefaultAllocator allocator = allocator()) {
            PolicySource source = allocator.policySource();
            source.publish(source.current().withLongLivedSites(LONG_SITE));
            List<List<Long>> blocks = interleaved(allocator);
            Set<Span> longSpans = spansOf(blocks.get(0));
            Set<Span> shortSpans = spansOf(blocks.get(1));
            assertTrue(longSpans.stream().allMatch(Span::isLongLived), "every long-lived block in a long-lived span");
            assertTrue(shortSpans.stream().noneMatch(Span::isLongLived), "no short-lived block in one");
            Set<Span> shared = new HashSet<>(longSpans);
            shared.retainAll(shortSpans);
            assertEquals(Set.of(), shared);
            for (List<Long> list : blocks) {
                for (long address : list) {
                    assertEquals(list == blocks.get(0) ? LONG_SITE : SHORT_SITE, allocator.siteOf(address));
                }
            }
            // the short-lived blocks go: their spans empty and go back, the long-lived ones' stay
            long spansBefore = allocator.stats().spans();
            blocks.get(1).forEach(allocator::free);
            allocator.trim();
            assertTrue(allocator.stats().spans() <= spansBefore - shortSpans.size() + 1,
                    "spans " + allocator.stats().spans() + " of " + spansBefore + " after freeing " + shortSpans.size() + " spans' blocks");
            assertEquals(BLOCKS * 64L, allocator.stats().liveBytes());
            blocks.get(0).forEach(allocator::free);
            assertEquals(0, allocator.stats().liveBytes());
        }
    }

    /**
     * Two long-lived sites go to different lanes: a peak's long-lived blocks that all die together do
     * not share spans with a retained set's, which would pin them.
     */
    @Test
    void shouldKeepTwoLongLivedSitesInSpansOfTheirOwn() throws InterruptedException {
        try (DefaultAllocator allocator = allocator()) {
            PolicySource source = allocator.policySource();
            source.publish(source.current().withLongLivedSites(LONG_SITE, SHORT_SITE));
            List<List<Long>> blocks = interleaved(allocator);
            Set<Span> first = spansOf(blocks.get(0));
            Set<Span> second = spansOf(blocks.get(1));
            assertTrue(first.stream().allMatch(Span::isLongLived));
            assertTrue(second.stream().allMatch(Span::isLongLived));
            first.retainAll(second);
            assertEquals(Set.of(), first);
            blocks.forEach(list -> list.forEach(allocator::free));
        }
    }

    /** The control: without the policy, the same interleaving puts both sites' blocks in the same spans. */
    @Test
    void shouldShareSpansBetweenSitesWhenNoneIsLongLived() throws InterruptedException {
        try (DefaultAllocator allocator = allocator()) {
            List<List<Long>> blocks = interleaved(allocator);
            Set<Span> shared = spansOf(blocks.get(0));
            shared.retainAll(spansOf(blocks.get(1)));
            assertFalse(shared.isEmpty());
            assertTrue(shared.stream().noneMatch(Span::isLongLived));
            blocks.forEach(list -> list.forEach(allocator::free));
        }
    }

    /** A site demoted by a later policy goes back to the ordinary spans from its next refill on. */
    @Test
    void shouldPlaceADemotedSiteWithTheOthersAgain() throws InterruptedException {
        try (DefaultAllocator allocator = allocator()) {
            PolicySource source = allocator.policySource();
            source.publish(source.current().withLongLivedSites(LONG_SITE));
            List<Long> before = new ArrayList<>();
            List<Long> after = new ArrayList<>();
            Thread thread = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < BLOCKS; i++) {
                    before.add(allocator.allocate(64, LONG_SITE));
                }
                source.publish(source.current().withLongLivedSites());
                for (int i = 0; i < BLOCKS; i++) {
                    after.add(allocator.allocate(64, LONG_SITE));
                    after.add(allocator.allocate(64, SHORT_SITE));
                }
            });
            thread.join();
            assertTrue(spansOf(before).stream().allMatch(Span::isLongLived));
            // the first blocks after the change may still come from the cache's stack filled before it
            long inLongSpans = after.stream().filter(a -> PageMap.spanOfCachedBlock(a).isLongLived()).count();
            assertTrue(inLongSpans < 300, inLongSpans + " blocks still placed as long-lived");
            before.forEach(allocator::free);
            after.forEach(allocator::free);
        }
    }

    /**
     * A long-lived block freed by another thread comes back to its owner through the remote drain:
     * into the long-lived stack its span names, so that a second free of it is still refused.
     */
    @Test
    void shouldStillRefuseASecondFreeOfALongLivedBlockDrainedBackFromAnotherThread() throws Exception {
        try (DefaultAllocator allocator = allocator();
             var owner = java.util.concurrent.Executors.newSingleThreadExecutor()) {
            PolicySource source = allocator.policySource();
            source.publish(source.current().withLongLivedSites(LONG_SITE));
            long block = owner.submit(() -> allocator.allocate(64, LONG_SITE)).get();
            assertTrue(PageMap.spanOfCachedBlock(block).isLongLived());
            allocator.free(block);
            allocator.releaseThreadCache(); // hands the remote free to the owner's inbox
            // the owner's first refill of another class drains its inbox: the block goes back to its cache
            long other = owner.submit(() -> allocator.allocate(128)).get();
            InvalidFreeException second = org.junit.jupiter.api.Assertions.assertThrows(InvalidFreeException.class,
                    () -> allocator.free(block), "a second free of a block its owner has cached again");
            assertEquals(InvalidFreeException.Reason.NOT_ALLOCATED, second.reason());
            owner.submit(() -> allocator.free(other)).get();
        }
    }
}
