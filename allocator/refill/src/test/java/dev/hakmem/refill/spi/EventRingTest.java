package dev.hakmem.refill.spi;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventRingTest {
    private record Event(EventKind kind, int sizeClass, long value) {
    }

    private static List<Event> drainAll(EventRing ring) {
        List<Event> events = new ArrayList<>();
        ring.drain((k, c, v) -> events.add(new Event(k, c, v)), Integer.MAX_VALUE);
        return events;
    }

    @Test
    void shouldDeliverEventsInOrderWithTheirFields() {
        EventRing ring = new EventRing(8);
        assertTrue(ring.offer(EventKind.REFILL, 3, 64));
        assertTrue(ring.offer(EventKind.CHUNK_MAPPED, -1, 8L << 20));
        assertEquals(List.of(new Event(EventKind.REFILL, 3, 64), new Event(EventKind.CHUNK_MAPPED, -1, 8L << 20)),
                drainAll(ring));
        assertTrue(drainAll(ring).isEmpty());
    }

    @Test
    void shouldDropAndCountWhenFullWithoutBlocking() {
        EventRing ring = new EventRing(4);
        for (int i = 0; i < 4; i++) {
            assertTrue(ring.offer(EventKind.SPAN_ACQUIRED, 1, i));
        }
        assertFalse(ring.offer(EventKind.SPAN_ACQUIRED, 1, 99));
        assertFalse(ring.offer(EventKind.FLUSH, 1, 100));
        assertEquals(2, ring.dropped());
        assertEquals(4, drainAll(ring).size());
        assertTrue(ring.offer(EventKind.FLUSH, 1, 5), "room again after a drain");
        assertEquals(5, ring.published());
    }

    @Test
    void shouldKeepTheLastQuarterForTheRareKindsWhenBulkEventsFillTheRing() {
        EventRing ring = new EventRing(8);
        for (int i = 0; i < 6; i++) {
            assertTrue(ring.offer(EventKind.REFILL, 1, i));
        }
        assertFalse(ring.offer(EventKind.FLUSH, 1, 6), "bulk kinds stop at three quarters");
        assertFalse(ring.offer(EventKind.REMOTE_DRAIN, -1, 7));
        assertTrue(ring.offer(EventKind.CHUNK_UNMAPPED, -1, 1 << 20), "a chunk's event still finds room");
        assertTrue(ring.offer(EventKind.CHUNK_MAPPED, -1, 1 << 20));
        assertFalse(ring.offer(EventKind.CHUNK_MAPPED, -1, 1 << 20), "and the ring is full at its capacity");
        assertEquals(3, ring.dropped());
    }

    @Test
    void shouldReuseSlotsAcrossManyLaps() {
        EventRing ring = new EventRing(2);
        for (long i = 0; i < 10_000; i++) {
            assertTrue(ring.offer(EventKind.REMOTE_DRAIN, 7, i));
            assertEquals(List.of(new Event(EventKind.REMOTE_DRAIN, 7, i)), drainAll(ring));
        }
    }

    @Test
    void shouldClampValuesToFortyEightBits() {
        EventRing ring = new EventRing(2);
        ring.offer(EventKind.SPAN_ACQUIRED, 0, -5);
        ring.offer(EventKind.SPAN_ACQUIRED, 0, Long.MAX_VALUE);
        List<Event> events = drainAll(ring);
        assertEquals(0, events.get(0).value());
        assertEquals((1L << 48) - 1, events.get(1).value());
    }

    @Test
    void shouldHonourTheDrainLimit() {
        EventRing ring = new EventRing(8);
        for (int i = 0; i < 5; i++) {
            ring.offer(EventKind.REFILL, 0, i);
        }
        assertEquals(2, ring.drain((k, c, v) -> { }, 2));
        assertEquals(3, drainAll(ring).size());
    }

    @Test
    void shouldRejectACapacityThatIsNotAPowerOfTwo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EventRing(12));
        assertTrue(e.getMessage().contains("12"));
        assertThrows(IllegalArgumentException.class, () -> new EventRing(1));
    }

    @Test
    void shouldLoseNothingUnderConcurrentProducers() throws InterruptedException {
        EventRing ring = new EventRing(1 << 10);
        int producers = 4;
        int perProducer = 50_000;
        long[] seen = new long[producers];
        Thread[] threads = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            int id = p;
            threads[p] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perProducer; i++) {
                    ring.offer(EventKind.REFILL, id, i);
                }
            });
        }
        long drained = 0;
        boolean running = true;
        while (running) {
            running = false;
            for (Thread t : threads) {
                running |= t.isAlive();
            }
            drained += ring.drain((k, c, v) -> seen[c]++, Integer.MAX_VALUE);
        }
        drained += ring.drain((k, c, v) -> seen[c]++, Integer.MAX_VALUE);
        assertEquals((long) producers * perProducer, drained + ring.dropped(), "every offer is drained or counted as dropped");
        assertEquals(drained, ring.published());
    }
}
