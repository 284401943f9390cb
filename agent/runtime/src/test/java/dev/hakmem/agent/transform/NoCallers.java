package dev.hakmem.agent.transform;

import java.nio.ByteBuffer;

/** Input for {@link CallSiteTransformerTest}: names ByteBuffer, but none of the rewritten methods. */
class NoCallers {
    ByteBuffer heap(int size) {
        return ByteBuffer.allocate(size).put((byte) 1);
    }
}
