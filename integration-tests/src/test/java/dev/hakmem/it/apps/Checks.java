package dev.hakmem.it.apps;

/**
 * How the test programs fail: a check that does not hold prints {@code CHECK FAILED: ...} on stderr
 * and ends the JVM with exit code 3 at once (from any thread); a program that passes prints {@code OK}.
 */
public final class Checks {
    public static final int FAILED = 3;

    private Checks() {
    }

    public static void check(boolean holds, String what) {
        if (!holds) {
            fail(what);
        }
    }

    public static void fail(String what) {
        System.err.println("CHECK FAILED: " + what);
        new Throwable("where the check failed").printStackTrace();
        System.err.flush();
        System.exit(FAILED);
    }

    /** Runs {@code action} and checks that it throws {@code expected} (or a subclass); returns what it threw. */
    public static <T extends Throwable> T expectThrows(Class<T> expected, Action action, String what) {
        try {
            action.run();
        } catch (Throwable t) {
            if (expected.isInstance(t)) {
                return expected.cast(t);
            }
            t.printStackTrace();
            fail(what + ": expected " + expected.getName() + " but got " + t);
        }
        fail(what + ": expected " + expected.getName() + " but nothing was thrown");
        return null;
    }

    public static void ok() {
        System.out.println("OK");
        System.out.flush();
    }

    /** The code under check; it may throw anything. */
    @FunctionalInterface
    public interface Action {
        void run() throws Throwable;
    }
}
