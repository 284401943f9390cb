package dev.hakmem.samples.common;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A bounded HTTP/1.1 load in the server's own JVM: {@code connections} keep-alive connections over
 * 127.0.0.1, each a platform thread sending {@code GET path} and reading the whole response with plain
 * {@link Socket} streams and heap arrays, for {@code seconds}; every body is compared with the expected
 * one. Being heap I/O, it adds no direct-buffer call site of its own, so what a report attributes is the
 * server's.
 */
public final class LoadClient {
    private static final int TIMEOUT_MILLIS = 10_000;

    private LoadClient() {
    }

    /** What the load did. */
    public record Result(long requests, long errors, double seconds, String firstError) {
        public double perSecond() {
            return requests / seconds;
        }

        @Override
        public String toString() {
            return String.format("%,d requests in %.1f s (%,.0f req/s), %d errors%s", requests, seconds, perSecond(), errors,
                    firstError == null ? "" : " (first: " + firstError + ")");
        }
    }

    public static Result run(int port, String path, int connections, double seconds, byte[] expected) throws InterruptedException {
        AtomicLong requests = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            threads.add(Thread.ofPlatform().name("self-load-" + c).start(() -> {
                while (System.nanoTime() < deadline) {
                    try {
                        requests.addAndGet(connection(port, path, deadline, expected));
                    } catch (IOException | RuntimeException e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, e.toString());
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return new Result(requests.get(), errors.get(), (System.nanoTime() - start) / 1e9, firstError.get());
    }

    /** One keep-alive connection until the deadline; returns the requests it completed. */
    private static long connection(int port, String path, long deadline, byte[] expected) throws IOException {
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUser-Agent: self-load\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        long done = 0;
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16 << 10);
            byte[] body = new byte[expected.length];
            while (System.nanoTime() < deadline) {
                out.write(request);
                out.flush();
                readResponse(in, body);
                if (!Arrays.equals(body, expected)) {
                    throw new IOException("unexpected body: " + new String(body, 0, Math.min(body.length, 40), StandardCharsets.US_ASCII));
                }
                done++;
            }
        }
        return done;
    }

    /** Reads one response whose body must be {@code body.length} bytes, into {@code body}. */
    private static void readResponse(InputStream in, byte[] body) throws IOException {
        String status = line(in);
        if (!status.startsWith("HTTP/1.1 200")) {
            throw new IOException("status line: " + status);
        }
        long length = -1;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                length = Long.parseLong(header.substring(colon + 1).trim());
            }
        }
        if (length != body.length) {
            throw new IOException("content-length " + length + ", expected " + body.length);
        }
        int at = 0;
        while (at < body.length) {
            int n = in.read(body, at, body.length - at);
            if (n < 0) {
                throw new IOException("the server closed the connection in a body");
            }
            at += n;
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("the server closed the connection");
            }
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append((char) c);
        }
    }

    /** One request on a new connection ({@code Connection: close}); returns the status line and body as text. */
    public static String once(int port, String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(TIMEOUT_MILLIS);
            socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
