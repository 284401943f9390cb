package dev.hakmem.agent.site;

/**
 * The JDK methods whose call sites the agent rewrites. A rewritten call is an {@code invokedynamic}
 * named like the method, of the original call's type (for {@code Unsafe}, the receiver first), whose
 * bootstrap is {@code java.nio.HakmemLinker.link} with the site id as its static argument.
 *
 * <p>The internal {@code Unsafe}'s ({@code jdk.internal.misc.Unsafe}, which libraries such as Agrona 2.x
 * call with {@code --add-exports}) are rewritten only where the class filter allows it
 * ({@code ClassFilter.mayRewriteInternalUnsafe}): the JDK calls it all over {@code java.base}, and a
 * block of hakmem's reaching one of the JDK's own {@code freeMemory} calls would end the process.
 */
public enum DirectMemoryApi {
    ALLOCATE_DIRECT("ByteBuffer.allocateDirect", false, "java/nio/ByteBuffer", "allocateDirect", "(I)Ljava/nio/ByteBuffer;"),
    ALLOCATE_MEMORY("Unsafe.allocateMemory", true, UnsafeName.OWNER, "allocateMemory", "(J)J"),
    REALLOCATE_MEMORY("Unsafe.reallocateMemory", true, UnsafeName.OWNER, "reallocateMemory", "(JJ)J"),
    FREE_MEMORY("Unsafe.freeMemory", true, UnsafeName.OWNER, "freeMemory", "(J)V"),
    INVOKE_CLEANER("Unsafe.invokeCleaner", true, UnsafeName.OWNER, "invokeCleaner", "(Ljava/nio/ByteBuffer;)V"),
    INTERNAL_ALLOCATE_MEMORY("jdk.internal.misc.Unsafe.allocateMemory", true, UnsafeName.INTERNAL, "allocateMemory", "(J)J"),
    INTERNAL_REALLOCATE_MEMORY("jdk.internal.misc.Unsafe.reallocateMemory", true, UnsafeName.INTERNAL, "reallocateMemory", "(JJ)J"),
    INTERNAL_FREE_MEMORY("jdk.internal.misc.Unsafe.freeMemory", true, UnsafeName.INTERNAL, "freeMemory", "(J)V"),
    /**
     * The JDK's one funnel for native segments ({@code Arena.allocate} and every allocation that ends
     * there, Netty's on JDK 25 among them): its internal {@code Unsafe.allocateMemory} call in
     * {@link #SEGMENT_FACTORIES}. Its sites are attributed by the calling stack, not by this call.
     */
    SEGMENT_ALLOCATE("Arena.allocate", true, UnsafeName.INTERNAL, "allocateMemory", "(J)J"),
    /** The funnel's release: the internal {@code Unsafe.freeMemory} in the cleanup an arena runs when it closes. */
    SEGMENT_FREE("Arena.close", true, UnsafeName.INTERNAL, "freeMemory", "(J)V");

    /** Internal name of the JDK class that allocates every native segment; rewritten with its nested classes. */
    public static final String SEGMENT_FACTORIES = "jdk/internal/foreign/SegmentFactories";

    /** Internal name of the class whose {@code link} method bootstraps every rewritten call site. */
    public static final String LINKER = "java/nio/HakmemLinker";
    public static final String LINK_METHOD = "link";
    public static final String LINK_DESCRIPTOR = "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;"
            + "Ljava/lang/invoke/MethodType;I)Ljava/lang/invoke/CallSite;";
    /** {@code MappedByteBuffer.allocateDirect(n)} compiles to this owner; it is the same static method. */
    private static final String MAPPED_BYTE_BUFFER = "java/nio/MappedByteBuffer";
    private static final DirectMemoryApi[] ALL = values();

    private final String label;
    private final boolean virtual;
    private final String owner;
    private final String method;
    private final String descriptor;

    DirectMemoryApi(String label, boolean virtual, String owner, String method, String descriptor) {
        this.label = label;
        this.virtual = virtual;
        this.owner = owner;
        this.method = method;
        this.descriptor = descriptor;
    }

    /**
     * @param virtual true for {@code invokevirtual} (or a {@code REF_invokeVirtual} handle), false for static
     * @return the API such a call names, or null; the internal {@code Unsafe}'s too, which the caller may rewrite
     *         only where {@link #isInternalUnsafe()} is allowed
     */
    public static DirectMemoryApi of(boolean virtual, String owner, String method, String descriptor) {
        for (DirectMemoryApi api : ALL) {
            if (!api.isSegmentFunnel() && api.virtual == virtual && api.method.equals(method) && api.descriptor.equals(descriptor)
                    && (api.owner.equals(owner) || api == ALLOCATE_DIRECT && MAPPED_BYTE_BUFFER.equals(owner))) {
                return api;
            }
        }
        return null;
    }

    /**
     * @param holder internal name of the class the call is in
     * @return the funnel API such a call is, if {@code holder} is {@link #SEGMENT_FACTORIES} or nested in it, else null
     */
    public static DirectMemoryApi ofSegmentFunnel(String holder, boolean virtual, String owner, String method, String descriptor) {
        if (!isSegmentFunnelClass(holder) || !virtual || !UnsafeName.INTERNAL.equals(owner)) {
            return null;
        }
        for (DirectMemoryApi api : ALL) {
            if (api.isSegmentFunnel() && api.method.equals(method) && api.descriptor.equals(descriptor)) {
                return api;
            }
        }
        return null;
    }

    /** @param internalName e.g. {@code jdk/internal/foreign/SegmentFactories$1} */
    public static boolean isSegmentFunnelClass(String internalName) {
        return internalName.equals(SEGMENT_FACTORIES)
                || internalName.startsWith(SEGMENT_FACTORIES) && internalName.charAt(SEGMENT_FACTORIES.length()) == '$';
    }

    public boolean isSegmentFunnel() {
        return this == SEGMENT_ALLOCATE || this == SEGMENT_FREE;
    }

    /** A call site of {@code jdk.internal.misc.Unsafe} outside the native-segment funnel. */
    public boolean isInternalUnsafe() {
        return this == INTERNAL_ALLOCATE_MEMORY || this == INTERNAL_REALLOCATE_MEMORY || this == INTERNAL_FREE_MEMORY;
    }

    /** The name of the rewritten {@code invokedynamic}: the method's, or {@code allocateSegment}/{@code freeSegment} for the funnel. */
    public String callSiteName() {
        return this == SEGMENT_ALLOCATE ? "allocateSegment" : this == SEGMENT_FREE ? "freeSegment" : method;
    }

    /** @return the API a report names {@code label} ({@link #label()}), or null */
    public static DirectMemoryApi ofLabel(String label) {
        for (DirectMemoryApi api : ALL) {
            if (api.label.equals(label)) {
                return api;
            }
        }
        return null;
    }

    /** How reports name the API, e.g. {@code "ByteBuffer.allocateDirect"}. */
    public String label() {
        return label;
    }

    public boolean isVirtual() {
        return virtual;
    }

    public String owner() {
        return owner;
    }

    public String method() {
        return method;
    }

    public String descriptor() {
        return descriptor;
    }

    /** The rewritten call's type: the original descriptor, with an {@code Unsafe} receiver as the first parameter. */
    public String callSiteDescriptor() {
        return virtual ? "(L" + owner + ";" + descriptor.substring(1) : descriptor;
    }

    private static final class UnsafeName {
        static final String OWNER = "sun/misc/Unsafe";
        static final String INTERNAL = "jdk/internal/misc/Unsafe";
    }
}
