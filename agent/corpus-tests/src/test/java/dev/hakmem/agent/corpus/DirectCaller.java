package dev.hakmem.agent.corpus;

import java.nio.ByteBuffer;

/** A class with one call site, for the tests that need one of their own. */
final class DirectCaller {
    private DirectCaller() {
    }

    static ByteBuffer buffer() {
        return ByteBuffer.allocateDirect(16);
    }
}
