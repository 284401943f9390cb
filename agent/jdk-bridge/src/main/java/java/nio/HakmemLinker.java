package java.nio;

import java.lang.invoke.CallSite;
import java.lang.invoke.ConstantCallSite;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.BiPredicate;

/**
 * The bootstrap method of every call site the hakmem agent rewrites: the only public entry into
 * hakmem's bridge. A rewritten {@code ByteBuffer.allocateDirect(cap)} is
 * {@code invokedynamic allocateDirect(I)Ljava/nio/ByteBuffer;} with this bootstrap and the site id as
 * its static argument; an {@code unsafe.freeMemory(a)} is {@code invokedynamic freeMemory(Lsun/misc/Unsafe;J)V},
 * and so on: the operand stack is the original call's, so stack map frames stay valid.
 *
 * <p><b>Why invokedynamic.</b> The capability to reach hakmem's memory is held only by code the agent
 * rewrote. The JVM hands a bootstrap method a full-privilege lookup of the class that holds the call
 * site; {@link #link} accepts it only if the agent registered that site id for that class (same name,
 * same defining loader). Any other class, calling this method with its own lookup, is refused; the
 * methods that allocate and free ({@link HakmemBridge}) are not public. A site the JVM has linked is a
 * {@link ConstantCallSite}: the JIT inlines it as it would a static call with a constant argument.
 *
 * <p><b>Never waits for long.</b> Until the agent's start-up thread has installed the allocator, a site
 * links to the JDK's own method (behind a {@link java.lang.invoke.SwitchPoint} that turns it into
 * hakmem's once installed), after waiting for the installation at most
 * {@link HakmemBackend#START_WAIT_MILLIS} — and not at all on the start-up thread itself.
 */
public final class HakmemLinker {
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    /** (caller class, site id) → true if the agent rewrote that site in that class. Set once, before any class is rewritten. */
    private static volatile BiPredicate<Class<?>, Integer> siteOwners;

    private HakmemLinker() {
    }

    /** Package-private: the agent reaches it through the lookup that defined this class. */
    static void admit(BiPredicate<Class<?>, Integer> owners) {
        siteOwners = owners;
    }

    /**
     * @param caller the lookup the JVM hands over for the class holding the call site
     * @param name   the JDK method the site called: {@code allocateDirect}, {@code allocateMemory},
     *               {@code reallocateMemory}, {@code freeMemory} or {@code invokeCleaner}
     * @param type   the original call's type (for {@code Unsafe}, the receiver first: {@code sun.misc.Unsafe}
     *               or {@code jdk.internal.misc.Unsafe})
     * @param site   the site id the agent gave the call
     * @throws IllegalCallerException if the agent did not rewrite {@code site} in the caller's class
     */
    public static CallSite link(MethodHandles.Lookup caller, String name, MethodType type, int site)
            throws ReflectiveOperationException {
        Class<?> holder = caller.lookupClass();
        BiPredicate<Class<?>, Integer> owners = siteOwners;
        if (!caller.hasFullPrivilegeAccess() || owners == null || !owners.test(holder, site)) {
            throw new IllegalCallerException("hakmem: " + holder.getName() + " has no call site " + site
                    + " that the hakmem agent rewrote; only such call sites may link to hakmem");
        }
        MethodHandle jdk = jdkMethod(caller, name, type);
        HakmemBackend backend = HakmemBackend.awaitInstalled();
        if (backend != null && !backend.replaces() && !name.equals("allocateDirect")) {
            return new ConstantCallSite(observing(name, type, jdk, site));
        }
        MethodHandle hakmem = hakmemMethod(name, type, jdk, site);
        return new ConstantCallSite(backend != null ? hakmem : HakmemBackend.onceInstalled(jdk, hakmem));
    }

    /**
     * Observe mode's {@code Unsafe} calls: the JDK's own method, with hakmem told before or after, put
     * together from method handles so that no frame of hakmem's stands between the caller and
     * {@code sun.misc.Unsafe}: the JEP 498 warning names the caller's class, as without the agent.
     */
    private static MethodHandle observing(String name, MethodType type, MethodHandle jdk, int site)
            throws ReflectiveOperationException {
        MethodType erased = type.changeParameterType(0, Object.class);
        MethodHandle jdkErased = jdk.asType(erased);
        MethodHandle folded = switch (name) {
            case "allocateSegment" -> MethodHandles.foldArguments(bound("observedSegment",
                    MethodType.methodType(long.class, long.class, Object.class, long.class, int.class), site), 0, jdkErased);
            // (address, unsafe, bytes) -> address, after the JDK's allocateMemory(unsafe, bytes)
            case "allocateMemory" -> MethodHandles.foldArguments(bound("observedAllocation",
                    MethodType.methodType(long.class, long.class, Object.class, long.class, int.class), site), 0, jdkErased);
            // (moved, unsafe, address, bytes) -> moved, after the JDK's reallocateMemory(unsafe, address, bytes)
            case "reallocateMemory" -> MethodHandles.foldArguments(bound("observedReallocation",
                    MethodType.methodType(long.class, long.class, Object.class, long.class, long.class, int.class), site), 0, jdkErased);
            // observedFree(unsafe, address) first, then the JDK's freeMemory(unsafe, address)
            case "freeMemory", "freeSegment" -> MethodHandles.foldArguments(jdkErased, 0, bound("observedFree",
                    MethodType.methodType(void.class, Object.class, long.class, int.class), site));
            default -> jdkErased;
        };
        return folded.asType(type);
    }

    /** A static method of {@link HakmemBridge} with the site id, its last parameter, bound. */
    private static MethodHandle bound(String name, MethodType type, int site) throws ReflectiveOperationException {
        return MethodHandles.insertArguments(LOOKUP.findStatic(HakmemBridge.class, name, type), type.parameterCount() - 1, site);
    }

    /** The call the site made before it was rewritten, exactly: the JDK's checks and warnings stay the JDK's. */
    private static MethodHandle jdkMethod(MethodHandles.Lookup caller, String name, MethodType type) throws ReflectiveOperationException {
        if (name.equals("allocateDirect")) {
            return MethodHandles.publicLookup().findStatic(ByteBuffer.class, name, type);
        }
        String method = switch (name) {
            case "allocateSegment" -> "allocateMemory"; // the JDK's native-segment funnel, on the internal Unsafe
            case "freeSegment" -> "freeMemory";
            default -> name;
        };
        Class<?> receiver = type.parameterType(0);
        MethodType methodType = type.dropParameterTypes(0, 1);
        if (receiver != jdk.internal.misc.Unsafe.class) {
            // sun.misc.Unsafe, which java.base cannot name: the receiver's type in the call site's type
            return MethodHandles.publicLookup().findVirtual(receiver, method, methodType);
        }
        // the internal Unsafe (the JDK's funnel, or a library given --add-exports java.base/jdk.internal.misc):
        // through the caller's own access, so that a site links to nothing its class could not call
        try {
            return caller.findVirtual(receiver, method, methodType);
        } catch (IllegalAccessException e) {
            // what the call would have thrown without the agent (an Error reaches the caller unwrapped)
            throw new IllegalAccessError(e.getMessage());
        }
    }

    /** The bridge method, with the JDK's method (for what hakmem does not own) and the site id bound. */
    private static MethodHandle hakmemMethod(String name, MethodType type, MethodHandle jdk, int site)
            throws ReflectiveOperationException {
        if (name.equals("allocateDirect")) {
            MethodHandle bridge = LOOKUP.findStatic(HakmemBridge.class, name, MethodType.methodType(ByteBuffer.class, int.class, int.class));
            return MethodHandles.insertArguments(bridge, 1, site).asType(type);
        }
        MethodType erased = type.changeParameterType(0, Object.class);
        MethodType bridgeType = erased.insertParameterTypes(0, MethodHandle.class).appendParameterTypes(int.class);
        MethodHandle bridge = LOOKUP.findStatic(HakmemBridge.class, name, bridgeType);
        MethodHandle jdkErased = jdk.asType(erased);
        return MethodHandles.insertArguments(MethodHandles.insertArguments(bridge, bridgeType.parameterCount() - 1, site), 0, jdkErased)
                .asType(type);
    }
}
