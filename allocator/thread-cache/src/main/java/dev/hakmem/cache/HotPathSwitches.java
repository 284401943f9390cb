package dev.hakmem.cache;

/**
 * Where {@link HotPathFlags} takes its values from, apart from it so that offering them does not
 * initialise it. The first offer before {@link HotPathFlags} initialises wins; later ones change
 * nothing (the constants are compiled in by then), and {@link #offer} says so.
 */
public final class HotPathSwitches {
    private static boolean statistics = true;
    private static boolean checks = true;
    private static boolean offered;
    private static boolean fixed;

    private HotPathSwitches() {
    }

    /**
     * @return true if these values are, or will be, the hot path's; false if others were taken first
     */
    public static synchronized boolean offer(boolean statisticsOn, boolean checksOn) {
        if (!fixed && !offered) {
            statistics = statisticsOn;
            checks = checksOn;
            offered = true;
        }
        return statistics == statisticsOn && checks == checksOn;
    }

    static synchronized boolean[] fix() {
        fixed = true;
        return new boolean[] {statistics, checks};
    }
}
