package dev.hakmem.agent.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Every JDK internal the bridge relies on, checked by reflection before the bridge is defined, so that
 * a JDK whose internals differ (a later release, a vendor's build) gets no half-working replace mode:
 * the agent runs in observe mode if only what replace mode needs is missing, and not at all if what
 * both modes need is. Looking members up by reflection needs no access to them, and loads no class
 * of the bridge.
 */
final class JdkInternals {
    /** What the agent may do on this JDK. */
    enum Allowed { REPLACE, OBSERVE, NOTHING }

    /** Which modes need a member: the bridge's code for both, or only replace mode's (the limit, the release wait). */
    enum NeededBy { BOTH_MODES, REPLACE_MODE }

    /**
     * One member: a constructor ({@code <init>}) or method of {@code owner}, with its parameter types and,
     * for a method, its return type, all by binary name.
     */
    record Requirement(NeededBy neededBy, String owner, String member, String returns, String... parameters) {
        String describe() {
            String signature = owner + (member.equals("<init>") ? "" : "." + member) + "(" + String.join(", ", parameters) + ")";
            return member.equals("<init>") ? "constructor " + signature : signature + " returning " + returns;
        }

        boolean isPresent() {
            try {
                Class<?> type = Class.forName(owner, false, null);
                Class<?>[] types = new Class<?>[parameters.length];
                for (int i = 0; i < parameters.length; i++) {
                    types[i] = typeNamed(parameters[i]);
                }
                if (member.equals("<init>")) {
                    type.getDeclaredConstructor(types);
                    return true;
                }
                return type.getDeclaredMethod(member, types).getReturnType() == typeNamed(returns);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false;
            }
        }

        private static Class<?> typeNamed(String name) throws ClassNotFoundException {
            return switch (name) {
                case "void" -> void.class;
                case "boolean" -> boolean.class;
                case "byte" -> byte.class;
                case "int" -> int.class;
                case "long" -> long.class;
                default -> Class.forName(name, false, null);
            };
        }
    }

    /** What the bridge classes (agent/jdk-bridge) call, construct or extend; keep in step with them. */
    static final List<Requirement> BRIDGE = List.of(
            // genuine direct buffers whose release is a jdk.internal.ref.Cleaner (JDK 26 drops it: JDK-8344332)
            new Requirement(NeededBy.BOTH_MODES, "java.nio.DirectByteBuffer", "<init>", null,
                    "int", "long", "java.io.FileDescriptor", "java.lang.Runnable", "boolean", "java.lang.foreign.MemorySegment"),
            new Requirement(NeededBy.BOTH_MODES, "java.nio.DirectByteBuffer", "cleaner", "jdk.internal.ref.Cleaner"),
            new Requirement(NeededBy.BOTH_MODES, "java.nio.DirectByteBuffer", "attachment", "java.lang.Object"),
            new Requirement(NeededBy.BOTH_MODES, "java.nio.DirectByteBuffer", "address", "long"),
            new Requirement(NeededBy.BOTH_MODES, "jdk.internal.misc.Unsafe", "getUnsafe", "jdk.internal.misc.Unsafe"),
            new Requirement(NeededBy.BOTH_MODES, "jdk.internal.misc.Unsafe", "putLong", "void", "long", "long"),
            new Requirement(NeededBy.BOTH_MODES, "jdk.internal.misc.Unsafe", "putByte", "void", "long", "byte"),
            new Requirement(NeededBy.BOTH_MODES, "jdk.internal.misc.Unsafe", "allocateMemory", "long", "long"),
            new Requirement(NeededBy.BOTH_MODES, "jdk.internal.misc.Unsafe", "freeMemory", "void", "long"),
            new Requirement(NeededBy.BOTH_MODES, "jdk.internal.misc.Unsafe", "invokeCleaner", "void", "java.nio.ByteBuffer"),
            // observe mode accounts buffers as java.nio.Bits does
            new Requirement(NeededBy.BOTH_MODES, "java.nio.Bits", "reserveMemory", "void", "long", "long"),
            new Requirement(NeededBy.BOTH_MODES, "java.nio.Bits", "unreserveMemory", "void", "long", "long"),
            new Requirement(NeededBy.BOTH_MODES, "java.nio.Bits", "pageSize", "int"),
            new Requirement(NeededBy.BOTH_MODES, "jdk.internal.misc.VM", "isDirectMemoryPageAligned", "boolean"),
            // replace mode's limit: the JDK's maximum, and Bits' wait for pending releases
            new Requirement(NeededBy.REPLACE_MODE, "jdk.internal.misc.VM", "maxDirectMemory", "long"),
            new Requirement(NeededBy.REPLACE_MODE, "jdk.internal.access.SharedSecrets", "getJavaLangRefAccess",
                    "jdk.internal.access.JavaLangRefAccess"),
            new Requirement(NeededBy.REPLACE_MODE, "jdk.internal.access.JavaLangRefAccess", "waitForReferenceProcessing", "boolean"));

    /**
     * @param allowed what the agent may do
     * @param missing the requirements that failed, first the one that decided (empty if none)
     */
    record Verdict(Allowed allowed, List<Requirement> missing) {
        /** The one line the agent logs when it cannot do all that was asked; null if it can. */
        String line(boolean replaceAsked) {
            if (missing.isEmpty() || (!replaceAsked && allowed == Allowed.OBSERVE)) {
                return null;
            }
            String jdk = "JDK " + System.getProperty("java.version");
            String what = allowed == Allowed.NOTHING
                    ? "the agent does nothing and the application runs without it"
                    : "hakmem runs in mode=observe (the JDK allocates, hakmem attributes)";
            return "hakmem: this " + jdk + " lacks " + missing.getFirst().describe() + ", which hakmem relies on"
                    + (missing.size() > 1 ? " (and " + (missing.size() - 1) + " more internal(s))" : "") + "; " + what;
        }
    }

    private JdkInternals() {
    }

    static Verdict check(List<Requirement> requirements) {
        List<Requirement> missingForBoth = new ArrayList<>();
        List<Requirement> missingForReplace = new ArrayList<>();
        for (Requirement r : requirements) {
            if (!r.isPresent()) {
                (r.neededBy() == NeededBy.BOTH_MODES ? missingForBoth : missingForReplace).add(r);
            }
        }
        List<Requirement> missing = new ArrayList<>(missingForBoth);
        missing.addAll(missingForReplace);
        Allowed allowed = !missingForBoth.isEmpty() ? Allowed.NOTHING : !missingForReplace.isEmpty() ? Allowed.OBSERVE : Allowed.REPLACE;
        return new Verdict(allowed, List.copyOf(missing));
    }
}
