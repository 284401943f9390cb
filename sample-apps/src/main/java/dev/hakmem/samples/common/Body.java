package dev.hakmem.samples.common;

import java.nio.charset.StandardCharsets;

/** The deterministic response body of the sample servers, so that a client can check every byte. */
public final class Body {
    private Body() {
    }

    /**
     * {@code size} bytes: {@code "hello\n"} cut to {@code size}, then {@code 'a' + i % 26} for byte
     * {@code i}, and {@code '\n'} last. Sizes 1 to 6 give a prefix of {@code "hello\n"}.
     */
    public static byte[] of(int size) {
        byte[] body = new byte[size];
        byte[] hello = "hello\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < size; i++) {
            body[i] = i < hello.length ? hello[i] : (byte) ('a' + i % 26);
        }
        if (size > hello.length) {
            body[size - 1] = '\n';
        }
        return body;
    }
}
