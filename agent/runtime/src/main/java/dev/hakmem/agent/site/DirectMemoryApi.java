package dev.hakmem.agent.site;

/**
 * The JDK methods whose call sites the agent rewrites, and the {@code java.nio.HakmemBridge} method
 * each goes to. A bridge method takes the original arguments (for {@code Unsafe}, the receiver first,
 * as {@code Object}) followed by the site id.
 */
public enum DirectMemoryApi {
    ALLOCATE_DIRECT("ByteBuffer.allocateDirect", false, "java/nio/ByteBuffer", "allocateDirect",
            "(I)Ljava/nio/ByteBuffer;", "(II)Ljava/nio/ByteBuffer;"),
    ALLOCATE_MEMORY("Unsafe.allocateMemory", true, UnsafeName.OWNER, "allocateMemory", "(J)J", "(Ljava/lang/Object;JI)J"),
    REALLOCATE_MEMORY("Unsafe.reallocateMemory", true, UnsafeName.OWNER, "reallocateMemory", "(JJ)J", "(Ljava/lang/Object;JJI)J"),
    FREE_MEMORY("Unsafe.freeMemory", true, UnsafeName.OWNER, "freeMemory", "(J)V", "(Ljava/lang/Object;JI)V"),
    INVOKE_CLEANER("Unsafe.invokeCleaner", true, UnsafeName.OWNER, "invokeCleaner", "(Ljava/nio/ByteBuffer;)V",
            "(Ljava/lang/Object;Ljava/nio/ByteBuffer;I)V");

    /** Internal name of the class every rewritten call site calls. */
    public static final String BRIDGE = "java/nio/HakmemBridge";
    /** {@code MappedByteBuffer.allocateDirect(n)} compiles to this owner; it is the same static method. */
    private static final String MAPPED_BYTE_BUFFER = "java/nio/MappedByteBuffer";
    private static final DirectMemoryApi[] ALL = values();

    private final String label;
    private final boolean virtual;
    private final String owner;
    private final String method;
    private final String descriptor;
    private final String bridgeDescriptor;

    DirectMemoryApi(String label, boolean virtual, String owner, String method, String descriptor, String bridgeDescriptor) {
        this.label = label;
        this.virtual = virtual;
        this.owner = owner;
        this.method = method;
        this.descriptor = descriptor;
        this.bridgeDescriptor = bridgeDescriptor;
    }

    /**
     * @param virtual true for {@code invokevirtual} (or a {@code REF_invokeVirtual} handle), false for static
     * @return the API such a call names, or null
     */
    public static DirectMemoryApi of(boolean virtual, String owner, String method, String descriptor) {
        for (DirectMemoryApi api : ALL) {
            if (api.virtual == virtual && api.method.equals(method) && api.descriptor.equals(descriptor)
                    && (api.owner.equals(owner) || api == ALLOCATE_DIRECT && MAPPED_BYTE_BUFFER.equals(owner))) {
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

    public String bridgeMethod() {
        return method;
    }

    public String bridgeDescriptor() {
        return bridgeDescriptor;
    }

    private static final class UnsafeName {
        static final String OWNER = "sun/misc/Unsafe";
    }
}
