package dev.hakmem.refill;

import java.lang.ref.WeakReference;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Gives decayed empty chunks back to the OS when an engine has gone quiet: without it, chunks emptied
 * by a burst would stay mapped until the engine's next span release or {@code trim()}. On the same
 * visit, the memory of pages free for the dirty decay inside chunks that stay ({@code RefillEngine#purgeDirtyPages}). One daemon
 * thread for the whole JVM, started with the first engine, visiting each engine at half its chunk decay or at a quarter of
 * its dirty decay, whichever is shorter, but at least every {@link #MAX_PERIOD_MILLIS} (so a chunk goes back between 1 and 1.5 decay
 * times after it emptied, and soon after a learner shortens the decay). It holds engines weakly: an
 * engine nobody closed does not stay alive for it.
 */
final class ChunkPurger {
    private static final long MIN_PERIOD_MILLIS = 100;
    /** Half the shortest decay a learner chooses (1 s); a visit of an engine with no empty chunk is a lock and a loop over its chunks. */
    static final long MAX_PERIOD_MILLIS = 500;

    private ChunkPurger() {
    }

    private static final class Holder {
        static final ScheduledExecutorService EXECUTOR = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("hakmem-chunk-purger").daemon().factory());
    }

    /**
     * @param decayMillis      the chunk decay in force when the engine starts (a learner's, if one is attached)
     * @param pageDecayMillis  the shortest time a dirty page waits then (the surplus beyond recent demand:
     *                         a quarter of the dirty decay): the visits come at half the chunk decay or at that
     *                         time, whichever is shorter (0 visits every {@link #MIN_PERIOD_MILLIS})
     * @return the scheduled visits, to cancel when the engine closes; null if the engine never decays chunks
     */
    static ScheduledFuture<?> watch(RefillEngine engine, long decayMillis, long pageDecayMillis) {
        if (decayMillis <= 0) {
            return null;
        }
        long period = Math.clamp(Math.min(decayMillis / 2, pageDecayMillis), MIN_PERIOD_MILLIS, MAX_PERIOD_MILLIS);
        WeakReference<RefillEngine> ref = new WeakReference<>(engine);
        ScheduledFuture<?>[] self = new ScheduledFuture<?>[1];
        Runnable visit = new Runnable() {
            @Override
            public void run() {
                RefillEngine e = ref.get();
                if (e == null) {
                    ScheduledFuture<?> future = self[0];
                    if (future != null) {
                        future.cancel(false);
                    }
                    return;
                }
                e.purgeDecayed();
            }
        };
        self[0] = Holder.EXECUTOR.scheduleWithFixedDelay(visit, period, period, TimeUnit.MILLISECONDS);
        return self[0];
    }
}
