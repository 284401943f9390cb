package dev.hakmem.samples.nio;

import dev.hakmem.samples.common.Args;
import dev.hakmem.samples.common.Body;
import dev.hakmem.samples.common.LoadClient;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A hand-written HTTP/1.1 server on the JDK's NIO (one {@link Selector} thread, non-blocking channels,
 * keep-alive, pipelining), on 127.0.0.1 only, that keeps its bytes in direct buffers as such servers do:
 * <ul>
 *   <li>each connection reads into a 16 KiB direct buffer of its own, freed explicitly
 *       ({@code Unsafe.invokeCleaner}) when the connection closes;</li>
 *   <li>each request's head is copied into a direct buffer the request keeps ({@link Request}), left to
 *       the garbage collector;</li>
 *   <li>each response is written from a direct buffer, freed explicitly once written;</li>
 *   <li>one static direct buffer holds the 404 response for the server's lifetime.</li>
 * </ul>
 * {@code --heavy} makes both per-request buffers 64 KiB, as servers that size their buffers for the
 * largest message do. {@code GET /} answers {@link Body#of(int) Body.of(size)}; {@code GET /shutdown}
 * answers {@code bye} and stops the server; anything else is a 404. The server stops by itself after
 * {@code --seconds}, or when its built-in load ({@code --self-load}) is done; it then closes every
 * connection, drops its buffers and runs the garbage collector so that what it allocated is released
 * before the JVM exits.
 */
public final class NioServer {
    static final String USAGE = """
            usage: java -jar nio-server.jar [--port N] [--size BYTES] [--seconds N] [--heavy] [--self-load SECONDS] [--connections N]
              --port N             port on 127.0.0.1 (default 8080; 0: any free port, printed)
              --size BYTES         body of GET / (default 64)
              --seconds N          stop after N seconds (default 30)
              --heavy              allocation-heavy: 64 KiB direct buffers per request
              --self-load SECONDS  load the server from this JVM for SECONDS (heap sockets), then stop
              --connections N      connections of the self-load (default 4)""";
    static final int CONNECTION_BUFFER = 16 << 10;
    static final int HEAVY_BUFFER = 64 << 10;
    private static final int GC_ROUNDS = 3;
    private static final ByteBuffer NOT_FOUND = staticResponse(404, "Not Found", "not found\n");

    private final boolean heavy;
    private final byte[] response;
    private final Set<Connection> connections = new HashSet<>();
    private final Selector selector;
    private final ServerSocketChannel server;
    private volatile boolean stopping;
    private long requests;
    private long accepted;

    private NioServer(int port, int size, boolean heavy) throws IOException {
        this.heavy = heavy;
        this.response = response(200, "OK", Body.of(size));
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", port), 1024);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
    }

    public static void main(String[] args) throws Exception {
        Args a = Args.parse(args, Set.of("heavy"), Set.of("port", "size", "seconds", "self-load", "connections"), USAGE);
        int port = a.integer("port", 8080, 0, 65535);
        int size = a.integer("size", 64, 1, 1 << 20);
        int seconds = a.integer("seconds", 30, 1, 86_400);
        boolean heavy = a.flag("heavy");
        int selfLoad = a.integer("self-load", 0, 0, 86_400);
        int connectionCount = a.integer("connections", 4, 1, 256);

        NioServer server = new NioServer(port, size, heavy);
        int bound = ((InetSocketAddress) server.server.getLocalAddress()).getPort();
        System.out.printf("nio-server: listening on http://127.0.0.1:%d/ (body %d B, %s mode, stops after %d s)%n", bound, size,
                heavy ? "heavy (64 KiB buffers per request)" : "normal", seconds);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Thread loop = Thread.ofPlatform().name("nio-selector").start(() -> server.serve(deadline));
        LoadClient.Result load = null;
        if (selfLoad > 0) {
            System.out.printf("nio-server: self-load: %d connections for %d s%n", connectionCount, Math.min(selfLoad, seconds));
            load = LoadClient.run(bound, "/", connectionCount, Math.min(selfLoad, seconds), Body.of(size));
            System.out.println("nio-server: self-load: " + load + ", every body checked");
            server.stop();
        }
        loop.join();
        server.release();
        System.out.printf("nio-server: served %,d requests on %,d connections; closed them and released their buffers%n",
                server.requests, server.accepted);
        if (load != null && (load.errors() > 0 || load.requests() == 0)) {
            System.exit(1);
        }
    }

    void stop() {
        stopping = true;
        selector.wakeup();
    }

    private void serve(long deadline) {
        try {
            while (!stopping && System.nanoTime() < deadline) {
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                        continue;
                    }
                    Connection connection = (Connection) key.attachment();
                    try {
                        if (key.isReadable()) {
                            read(connection);
                        }
                        if (key.isValid() && key.isWritable()) {
                            write(connection);
                        }
                    } catch (IOException e) {
                        close(connection);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            System.err.println("nio-server: the selector failed: " + e);
        } finally {
            for (Connection connection : new ArrayList<>(connections)) {
                close(connection);
            }
            try {
                server.close();
                selector.close();
            } catch (IOException e) {
                System.err.println("nio-server: closing: " + e);
            }
        }
    }

    private void accept() throws IOException {
        for (SocketChannel channel = server.accept(); channel != null; channel = server.accept()) {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Connection connection = new Connection(channel);
            connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
            connections.add(connection);
            accepted++;
        }
    }

    private void read(Connection connection) throws IOException {
        if (connection.channel.read(connection.in) < 0) {
            close(connection);
            return;
        }
        answer(connection);
    }

    /** Answers every complete request in the connection's buffer, one response in flight at a time. */
    private void answer(Connection connection) throws IOException {
        while (connection.out == null && connection.in != null) {
            ByteBuffer in = connection.in;
            int end = headEnd(in);
            if (end < 0) {
                if (!in.hasRemaining()) {
                    close(connection); // a head larger than the buffer
                }
                return;
            }
            Request request = Request.parse(in, end, heavy ? Math.max(HEAVY_BUFFER, end) : end);
            in.flip().position(end);
            in.compact();
            if (request == null || request.contentLength != 0 || !request.method.equals("GET")) {
                connection.closeAfterWrite = true;
                send(connection, NOT_FOUND.duplicate(), false);
                continue;
            }
            requests++;
            connection.closeAfterWrite = !request.keepAlive;
            switch (request.path) {
                case "/" -> send(connection, responseBuffer(response), true);
                case "/shutdown" -> {
                    connection.closeAfterWrite = true;
                    send(connection, responseBuffer(response(200, "OK", "bye\n".getBytes(StandardCharsets.US_ASCII))), true);
                    stopping = true;
                }
                default -> send(connection, NOT_FOUND.duplicate(), false);
            }
        }
    }

    private ByteBuffer responseBuffer(byte[] bytes) {
        ByteBuffer out = ByteBuffer.allocateDirect(heavy ? Math.max(HEAVY_BUFFER, bytes.length) : bytes.length); // site:response-buffer
        return out.put(bytes).flip();
    }

    private void send(Connection connection, ByteBuffer out, boolean owned) throws IOException {
        connection.out = out;
        connection.outOwned = owned;
        write(connection);
    }

    private void write(Connection connection) throws IOException {
        ByteBuffer out = connection.out;
        if (out == null) {
            return;
        }
        connection.channel.write(out);
        if (out.hasRemaining()) {
            connection.key.interestOps(SelectionKey.OP_WRITE);
            return;
        }
        if (connection.outOwned) {
            Cleaners.free(out);
        }
        connection.out = null;
        if (connection.closeAfterWrite) {
            close(connection);
            return;
        }
        connection.key.interestOps(SelectionKey.OP_READ);
        answer(connection);
    }

    private void close(Connection connection) {
        if (!connections.remove(connection)) {
            return;
        }
        connection.key.cancel();
        try {
            connection.channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        if (connection.out != null && connection.outOwned) {
            Cleaners.free(connection.out);
        }
        connection.out = null;
        Cleaners.free(connection.in);
        connection.in = null;
    }

    /** Runs the garbage collector so that the requests' buffers, left to it, are released before exit. */
    private void release() throws InterruptedException {
        for (int i = 0; i < GC_ROUNDS; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    /** The offset just past the first empty line in {@code in}'s bytes {@code [0, position)}, or -1. */
    private static int headEnd(ByteBuffer in) {
        for (int i = 3; i < in.position(); i++) {
            if (in.get(i) == '\n' && in.get(i - 1) == '\r' && in.get(i - 2) == '\n' && in.get(i - 3) == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    private static byte[] response(int status, String reason, byte[] body) {
        byte[] head = ("HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    private static ByteBuffer staticResponse(int status, String reason, String body) {
        byte[] bytes = response(status, reason, body.getBytes(StandardCharsets.US_ASCII));
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length); // site:static-404
        return buffer.put(bytes).flip();
    }

    /** One client connection: its socket, its read buffer, the response being written. */
    private static final class Connection {
        final SocketChannel channel;
        SelectionKey key;
        ByteBuffer in = ByteBuffer.allocateDirect(CONNECTION_BUFFER); // site:connection-buffer
        ByteBuffer out;
        boolean outOwned;
        boolean closeAfterWrite;

        Connection(SocketChannel channel) {
            this.channel = channel;
        }
    }
}
