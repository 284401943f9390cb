package dev.hakmem.concurrency.events;

import dev.hakmem.refill.spi.EventConsumer;
import dev.hakmem.refill.spi.EventKind;
import dev.hakmem.refill.spi.EventRing;

/**
 * What one drain saw, as the decimal digits of the events' values in drain order: events 2 then 1
 * give {@code 21}, no event gives {@code 0}. An event that does not come back as it was offered
 * (see {@link #offer}) shows as the digit 9, which no test accepts.
 */
final class Sequence implements EventConsumer {
    private static final EventKind[] KINDS = EventKind.values();

    private int digits;
    private int count;

    /**
     * Producer {@code n}'s event: value {@code n}, with a kind and a size class derived from it, so
     * a drain can tell a whole event from one whose bits were mixed with another's.
     */
    static boolean offer(EventRing ring, int n) {
        return ring.offer(kindOf(n), classOf(n), n);
    }

    static Sequence drain(EventRing ring, int limit) {
        Sequence seen = new Sequence();
        ring.drain(seen, limit);
        return seen;
    }

    @Override
    public void onEvent(EventKind kind, int sizeClass, long value) {
        int n = (int) value;
        boolean intact = value >= 1 && value <= 8 && kind == kindOf(n) && sizeClass == classOf(n);
        digits = digits * 10 + (intact ? n : 9);
        count++;
    }

    int digits() {
        return digits;
    }

    /** How many times event {@code n} was seen. */
    int timesSeen(int n) {
        int times = 0;
        for (int d = digits; d != 0; d /= 10) {
            if (d % 10 == n) {
                times++;
            }
        }
        return times;
    }

    int count() {
        return count;
    }

    /**
     * The ring's one promise for producer {@code n}, as a result field.
     *
     * @return 1 if its offer returned true and the event was seen exactly once; 0 if the offer
     *         returned false and the event was never seen; -1 for anything else
     */
    int account(int n, boolean accepted) {
        int times = timesSeen(n);
        if (accepted) {
            return times == 1 ? 1 : -1;
        }
        return times == 0 ? 0 : -1;
    }

    private static EventKind kindOf(int n) {
        return KINDS[n % KINDS.length];
    }

    private static int classOf(int n) {
        return 10 * n;
    }
}
