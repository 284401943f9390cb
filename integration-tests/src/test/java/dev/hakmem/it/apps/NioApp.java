package dev.hakmem.it.apps;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static dev.hakmem.it.apps.Checks.check;

/**
 * A plain NIO program: direct buffers written to and read back from a file through a
 * {@link FileChannel}, and sent to a peer over 127.0.0.1 through {@link SocketChannel}s, which echoes
 * them back. Every buffer is kept to the end, so that the JDK's "direct" pool, which the report reads
 * at exit, would count them if the JDK had allocated them.
 */
public final class NioApp {
    private static final int FILE_BYTES = 1 << 20;
    private static final int SOCKET_BYTES = 4 << 20;
    private static final int RELAY_BYTES = 64 << 10;
    private static final List<ByteBuffer> KEPT = new ArrayList<>();

    private NioApp() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Files.createTempFile("hakmem-it-nio", ".bin");
        try {
            throughFile(file);
        } finally {
            Files.deleteIfExists(file);
        }
        throughSocket();
        System.out.println("buffers=" + KEPT.size());
        Checks.ok();
    }

    private static void throughFile(Path file) throws IOException {
        ByteBuffer out = kept(ByteBuffer.allocateDirect(FILE_BYTES)); // site:file-out
        genuine(out, FILE_BYTES);
        fill(out, 17);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            while (out.hasRemaining()) {
                channel.write(out);
            }
            channel.force(false);
            check(channel.size() == FILE_BYTES, "file size " + channel.size());
            ByteBuffer in = kept(ByteBuffer.allocateDirect(FILE_BYTES)); // site:file-in
            genuine(in, FILE_BYTES);
            while (in.hasRemaining()) {
                check(channel.read(in, in.position()) > 0, "the file ended early at " + in.position());
            }
            in.flip();
            verify(in, 17, "read back from the file");
        }
    }

    private static void throughSocket() throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(loopback, 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel peer = server.accept()) {
            ByteBuffer sent = kept(ByteBuffer.allocateDirect(SOCKET_BYTES)); // site:socket-out
            ByteBuffer back = kept(ByteBuffer.allocateDirect(SOCKET_BYTES)); // site:socket-back
            genuine(sent, SOCKET_BYTES);
            fill(sent, 5);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread echo = Thread.ofPlatform().name("echo").start(() -> guarded(failure, () -> echo(peer)));
            Thread writer = Thread.ofPlatform().name("writer").start(() -> guarded(failure, () -> {
                while (sent.hasRemaining()) {
                    client.write(sent);
                }
            }));
            while (back.hasRemaining()) {
                check(client.read(back) >= 0, "the echo ended early at " + back.position());
            }
            writer.join();
            echo.join();
            check(failure.get() == null, "a socket thread failed: " + failure.get());
            back.flip();
            verify(back, 5, "echoed over 127.0.0.1");
        }
    }

    /** Relays what arrives back to the sender, through one direct buffer. */
    private static void echo(SocketChannel peer) throws IOException {
        ByteBuffer relay = kept(ByteBuffer.allocateDirect(RELAY_BYTES)); // site:socket-relay
        int total = 0;
        while (total < SOCKET_BYTES) {
            relay.clear();
            int n = peer.read(relay);
            check(n >= 0, "the sender closed early after " + total + " bytes");
            total += n;
            relay.flip();
            while (relay.hasRemaining()) {
                peer.write(relay);
            }
        }
    }

    private static void guarded(AtomicReference<Throwable> failure, Checks.Action action) {
        try {
            action.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    private static synchronized ByteBuffer kept(ByteBuffer buffer) {
        KEPT.add(buffer);
        return buffer;
    }

    private static void genuine(ByteBuffer buffer, int capacity) {
        check(buffer.isDirect(), "not direct: " + buffer);
        check(buffer.position() == 0 && buffer.limit() == capacity && buffer.capacity() == capacity, "bad bounds: " + buffer);
    }

    private static byte pattern(int index, int seed) {
        return (byte) (index * 31 + seed + (index >>> 11));
    }

    private static void fill(ByteBuffer buffer, int seed) {
        for (int i = 0; i < buffer.capacity(); i++) {
            buffer.put(i, pattern(i, seed));
        }
    }

    private static void verify(ByteBuffer buffer, int seed, String what) {
        check(buffer.remaining() == buffer.capacity(), what + ": " + buffer.remaining() + " of " + buffer.capacity() + " bytes");
        for (int i = 0; i < buffer.capacity(); i++) {
            if (buffer.get(i) != pattern(i, seed)) {
                Checks.fail(what + ": byte " + i + " is " + buffer.get(i) + ", expected " + pattern(i, seed));
            }
        }
    }
}
