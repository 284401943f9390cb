package dev.hakmem.it.apps;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * What a program can and cannot get through hakmem's bridge. Its own (rewritten) call sites get
 * hakmem's memory; memory hakmem does not own goes to the program's own {@code sun.misc.Unsafe}, which
 * decides as the JDK does (under {@code deny}, it refuses). {@link BridgeCaller}, a class the agent
 * did not rewrite, tries to reach the bridge directly. Prints {@code key=value} lines for the test.
 */
public final class BridgeEscapeApp {
    private BridgeEscapeApp() {
    }

    public static void main(String[] args) throws Exception {
        long own = UNSAFE.allocateMemory(64); // hakmem's block: works under any --sun-misc-unsafe-memory-access
        check(own != 0, "an address");
        own = UNSAFE.reallocateMemory(own, 4096);
        UNSAFE.freeMemory(own);
        System.out.println("ownCycle=ok");

        // memory hakmem never saw: the JDK's malloc behind a global arena (never freed by the arena)
        long foreign = Arena.global().allocate(64).address();
        System.out.println("foreignRealloc=" + outcome(() -> {
            long moved = UNSAFE.reallocateMemory(foreign, 128);
            UNSAFE.freeMemory(moved);
        }));
        long foreign2 = Arena.global().allocate(64).address();
        System.out.println("foreignFree=" + outcome(() -> UNSAFE.freeMemory(foreign2)));
        // a direct buffer the JDK made: allocateDirect through reflection is no call site
        ByteBuffer jdkBuffer = (ByteBuffer) ByteBuffer.class.getMethod("allocateDirect", int.class).invoke(null, 64);
        System.out.println("jdkCleaner=" + outcome(() -> UNSAFE.invokeCleaner(jdkBuffer)));

        System.out.println("linkRefused=" + BridgeCaller.linkRefused(200));
        System.out.println("bridgeMethods=" + BridgeCaller.bridgeMethodsReachable());
        Checks.ok();
    }

    private static String outcome(Checks.Action action) {
        try {
            action.run();
            return "done";
        } catch (Throwable t) {
            return t.getClass().getSimpleName();
        }
    }
}
