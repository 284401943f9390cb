package dev.hakmem.it.apps;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * A class with no direct-memory call of its own (so the agent leaves it alone) that tries to use
 * hakmem's bridge directly: its linker with this class's lookup, and the bridge's methods by reflection
 * and method handles.
 */
final class BridgeCaller {
    private BridgeCaller() {
    }

    /** @return how many of the site ids 1..{@code sites} the linker refused, as "refused of tried" */
    static String linkRefused(int sites) throws ReflectiveOperationException {
        Method link = Class.forName("java.nio.HakmemLinker")
                .getMethod("link", MethodHandles.Lookup.class, String.class, MethodType.class, int.class);
        MethodType free = MethodType.methodType(void.class, sun.misc.Unsafe.class, long.class);
        int refused = 0;
        for (int site = 1; site <= sites; site++) {
            try {
                link.invoke(null, MethodHandles.lookup(), "freeMemory", free, site);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof IllegalCallerException) {
                    refused++;
                }
            }
        }
        return refused + " of " + sites;
    }

    /** @return "none" if no way tried reaches a method of java.nio.HakmemBridge, else the way that did */
    static String bridgeMethodsReachable() throws ClassNotFoundException {
        Class<?> bridge = Class.forName("java.nio.HakmemBridge");
        if (bridge.getMethods().length != Object.class.getMethods().length) {
            return "public methods";
        }
        for (Method m : bridge.getDeclaredMethods()) {
            try {
                m.setAccessible(true);
                return "setAccessible(" + m.getName() + ")";
            } catch (RuntimeException refused) {
                // InaccessibleObjectException: java.nio is not open to this module
            }
            try {
                MethodHandles.lookup().unreflect(m);
                return "unreflect(" + m.getName() + ")";
            } catch (IllegalAccessException refused) {
                // not public
            }
        }
        try {
            MethodHandles.privateLookupIn(bridge, MethodHandles.lookup());
            return "privateLookupIn";
        } catch (IllegalAccessException refused) {
            return "none";
        }
    }
}
