package dev.hakmem.agent.transform;

import java.nio.charset.StandardCharsets;

/**
 * Decides from a class file's constant pool alone, without parsing anything else and without
 * allocating, whether the class can name one of the rewritten methods: it must hold the UTF-8 entry
 * of a method name ({@code allocateDirect}, {@code allocateMemory}, ...) and of an owner
 * ({@code java/nio/ByteBuffer}, {@code sun/misc/Unsafe}, ...). Almost every class fails this test,
 * and for those the agent costs one pass over the constant pool.
 */
final class ConstantPoolScan {
    private static final byte[][] METHOD_NAMES = utf8("allocateDirect", "allocateMemory", "reallocateMemory",
            "freeMemory", "invokeCleaner");
    private static final byte[][] OWNER_NAMES = utf8("java/nio/ByteBuffer", "java/nio/MappedByteBuffer", "sun/misc/Unsafe",
            "jdk/internal/misc/Unsafe");
    private static final int MAGIC = 0xCAFEBABE;

    private ConstantPoolScan() {
    }

    /** @return true if the class may call a rewritten method; false also for bytes that are not a class file */
    static boolean mayCallDirectMemory(byte[] classFile) {
        if (classFile.length < 10 || readInt(classFile, 0) != MAGIC) {
            return false;
        }
        int count = readUnsignedShort(classFile, 8);
        int at = 10;
        boolean method = false;
        boolean owner = false;
        for (int index = 1; index < count; index++) {
            if (at >= classFile.length) {
                return false;
            }
            int tag = classFile[at];
            switch (tag) {
                case 1 -> { // Utf8
                    int length = readUnsignedShort(classFile, at + 1);
                    int start = at + 3;
                    if (!method && matchesAny(classFile, start, length, METHOD_NAMES)) {
                        method = true;
                    } else if (!owner && matchesAny(classFile, start, length, OWNER_NAMES)) {
                        owner = true;
                    }
                    if (method && owner) {
                        return true;
                    }
                    at = start + length;
                }
                case 7, 8, 16, 19, 20 -> at += 3; // Class, String, MethodType, Module, Package
                case 15 -> at += 4; // MethodHandle
                case 3, 4, 9, 10, 11, 12, 17, 18 -> at += 5; // Integer, Float, refs, NameAndType, Dynamic, InvokeDynamic
                case 5, 6 -> { // Long, Double take two entries
                    at += 9;
                    index++;
                }
                default -> {
                    return true; // a tag this scan does not know: let the full parser decide
                }
            }
        }
        return false;
    }

    private static boolean matchesAny(byte[] b, int start, int length, byte[][] candidates) {
        for (byte[] candidate : candidates) {
            if (candidate.length == length && regionEquals(b, start, candidate)) {
                return true;
            }
        }
        return false;
    }

    private static boolean regionEquals(byte[] b, int start, byte[] candidate) {
        if (start + candidate.length > b.length) {
            return false;
        }
        for (int i = candidate.length - 1; i >= 0; i--) { // names share prefixes more than suffixes
            if (b[start + i] != candidate[i]) {
                return false;
            }
        }
        return true;
    }

    private static int readUnsignedShort(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | b[at + 1] & 0xFF;
    }

    private static int readInt(byte[] b, int at) {
        return readUnsignedShort(b, at) << 16 | readUnsignedShort(b, at + 2);
    }

    private static byte[][] utf8(String... names) {
        byte[][] bytes = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            bytes[i] = names[i].getBytes(StandardCharsets.UTF_8);
        }
        return bytes;
    }
}
