package dev.hakmem.samples.netty;

import dev.hakmem.samples.common.Args;
import dev.hakmem.samples.common.Body;
import dev.hakmem.samples.common.LoadClient;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Netty 4.2 HTTP/1.1 server on 127.0.0.1 with Netty's defaults: the NIO transport, the default
 * allocator ({@code ByteBufAllocator.DEFAULT}) and no Netty flags, so that whatever serves Netty's direct
 * memory on this JVM serves it here. {@code GET /} answers {@link Body#of(int) Body.of(size)} from a
 * buffer of the channel's allocator; {@code GET /shutdown} answers {@code bye} and stops the server.
 * It stops by itself after {@code --seconds}, or when its built-in load ({@code --self-load}) is done.
 *
 * <p>On JDK 25's defaults Netty 4.2 takes its memory through FFM ({@code Arena.ofShared()}, its
 * {@code CleanerJava25}): no {@code allocateDirect} or {@code Unsafe} call is made for it.
 */
public final class NettyServer {
    static final String USAGE = """
            usage: java -jar netty-server.jar [--port N] [--size BYTES] [--seconds N] [--threads N] [--self-load SECONDS] [--connections N]
              --port N             port on 127.0.0.1 (default 8080; 0: any free port, printed)
              --size BYTES         body of GET / (default 64)
              --seconds N          stop after N seconds (default 30)
              --threads N          event-loop threads (default 2)
              --self-load SECONDS  load the server from this JVM for SECONDS (heap sockets), then stop
              --connections N      connections of the self-load (default 4)""";

    private NettyServer() {
    }

    public static void main(String[] args) throws Exception {
        Args a = Args.parse(args, Set.of(), Set.of("port", "size", "seconds", "threads", "self-load", "connections"), USAGE);
        int port = a.integer("port", 8080, 0, 65535);
        int size = a.integer("size", 64, 1, 1 << 20);
        int seconds = a.integer("seconds", 30, 1, 86_400);
        int threads = a.integer("threads", 2, 1, 64);
        int selfLoad = a.integer("self-load", 0, 0, 86_400);
        int connectionCount = a.integer("connections", 4, 1, 256);

        byte[] body = Body.of(size);
        CountDownLatch shutdown = new CountDownLatch(1);
        AtomicLong requests = new AtomicLong();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        LoadClient.Result load = null;
        try {
            Channel server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 << 10),
                                    new Handler(body, requests, shutdown));
                        }
                    })
                    .bind("127.0.0.1", port).sync().channel();
            int bound = ((InetSocketAddress) server.localAddress()).getPort();
            System.out.printf("netty-server: listening on http://127.0.0.1:%d/ (body %d B, %d event loops, allocator %s, stops after %d s)%n",
                    bound, size, threads, ByteBufAllocator.DEFAULT.getClass().getSimpleName(), seconds);
            if (selfLoad > 0) {
                System.out.printf("netty-server: self-load: %d connections for %d s%n", connectionCount, Math.min(selfLoad, seconds));
                load = LoadClient.run(bound, "/", connectionCount, Math.min(selfLoad, seconds), body);
                System.out.println("netty-server: self-load: " + load + ", every body checked");
            } else {
                shutdown.await(seconds, TimeUnit.SECONDS);
            }
            server.close().sync();
        } finally {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        System.out.printf("netty-server: served %,d requests; stopped%n", requests.get());
        if (load != null && (load.errors() > 0 || load.requests() == 0)) {
            System.exit(1);
        }
    }

    /** Answers GET / with the body and GET /shutdown with "bye"; anything else is a 404. */
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final byte[] body;
        private final AtomicLong requests;
        private final CountDownLatch shutdown;

        Handler(byte[] body, AtomicLong requests, CountDownLatch shutdown) {
            this.body = body;
            this.requests = requests;
            this.shutdown = shutdown;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, FullHttpRequest request) {
            requests.incrementAndGet();
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            FullHttpResponse response;
            if (request.method().equals(HttpMethod.GET) && request.uri().equals("/")) {
                ByteBuf content = context.alloc().buffer(body.length);
                content.writeBytes(body);
                response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
            } else if (request.method().equals(HttpMethod.GET) && request.uri().equals("/shutdown")) {
                response = text(context, HttpResponseStatus.OK, "bye\n");
                keepAlive = false;
                shutdown.countDown();
            } else {
                response = text(context, HttpResponseStatus.NOT_FOUND, "not found\n");
            }
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            if (keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                context.writeAndFlush(response);
            } else {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                context.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static FullHttpResponse text(ChannelHandlerContext context, HttpResponseStatus status, String text) {
            ByteBuf content = context.alloc().buffer();
            content.writeCharSequence(text, StandardCharsets.US_ASCII);
            return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            System.err.println("netty-server: " + cause);
            context.close();
        }
    }
}
