package dev.hakmem.refill;

import java.lang.ref.WeakReference;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Gives decayed empty chunks back to the OS when an engine has gone quiet: without it, chunks emptied
 * by a burst would stay mapped until the engine's next span release or {@code trim()}. One daemon
 * thread for the whole JVM, started with the first engine, visiting each engine at half its decay
 * time (so a chunk goes back between 1 and 1.5 decay times after it emptied). It holds engines
 * weakly: an engine nobody closed does not stay alive for it.
 */
final class ChunkPurger {
    private static final long MIN_PERIOD_MILLIS = 100;

    private ChunkPurger() {
    }

    private static final class Holder {
        static final ScheduledExecutorService EXECUTOR = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("hakmem-chunk-purger").daemon().factory());
    }

    /** @return the scheduled visits, to cancel when the engine closes; null if the engine never decays chunks */
    static ScheduledFuture<?> watch(RefillEngine engine, long decayMillis) {
        if (decayMillis <= 0) {
            return null;
        }
        long period = Math.max(MIN_PERIOD_MILLIS, decayMillis / 2);
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
                e.purgeDecayedChunks();
            }
        };
        self[0] = Holder.EXECUTOR.scheduleWithFixedDelay(visit, period, period, TimeUnit.MILLISECONDS);
        return self[0];
    }
}
