package dev.hakmem.it.apps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Random;

import static dev.hakmem.it.apps.Checks.check;

/**
 * Socket traffic on 127.0.0.1 through heap buffers only: for each such read or write, NIO copies through a
 * temporary direct buffer of its own ({@code sun.nio.ch.Util.getTemporaryDirectBuffer}), which it caches per
 * thread, as a Kafka client's network threads do. A writer thread sends {@link #BYTES} in chunks of 1 B to
 * 64 KiB, a reader thread takes them in through an 8 KiB buffer; both are platform threads that end before
 * the program checks the bytes and exits, and a thread's cached temporary buffers are freed when it ends.
 * Prints {@code bytes=} what arrived intact.
 */
public final class TemporaryBufferApp {
    public static final int BYTES = 4 << 20;
    private static final int MAX_CHUNK = 64 << 10;

    private TemporaryBufferApp() {
    }

    public static void main(String[] args) throws Exception {
        byte[] payload = new byte[BYTES];
        new Random(42).nextBytes(payload);
        byte[] received = new byte[BYTES];
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
            Thread reader = Thread.ofPlatform().name("reader").start(() -> read(server, received));
            Thread writer = Thread.ofPlatform().name("writer").start(() -> write(address, payload));
            writer.join(30_000);
            reader.join(30_000);
            check(!writer.isAlive() && !reader.isAlive(), "the transfer did not finish in 30 s");
        }
        check(Arrays.equals(payload, received), "the bytes that arrived differ from those sent");
        System.out.println("bytes=" + BYTES);
        Checks.ok();
    }

    private static void write(InetSocketAddress address, byte[] payload) {
        try (SocketChannel channel = SocketChannel.open(address)) {
            Random sizes = new Random(7);
            for (int at = 0; at < payload.length; ) {
                int n = Math.min(payload.length - at, 1 + sizes.nextInt(MAX_CHUNK));
                ByteBuffer chunk = ByteBuffer.wrap(payload, at, n);
                while (chunk.hasRemaining()) {
                    channel.write(chunk);
                }
                at += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void read(ServerSocketChannel server, byte[] into) {
        try (SocketChannel channel = server.accept()) {
            ByteBuffer buffer = ByteBuffer.allocate(8 << 10);
            int received = 0;
            while (received < into.length) {
                buffer.clear().limit(Math.min(buffer.capacity(), into.length - received));
                int n = channel.read(buffer);
                check(n >= 0, "the connection ended after " + received + " bytes");
                System.arraycopy(buffer.array(), 0, into, received, n);
                received += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
