package dev.hakmem.it.apps;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static dev.hakmem.it.apps.Checks.check;

/**
 * A minimal HTTP/1.1 server on Netty 4.2's transport and default allocator, on 127.0.0.1 (prints
 * {@code port=}): every request that ends in an empty line gets a 100-byte body in a direct buffer, on a
 * kept-alive connection, as {@code wrk} wants. Commands on stdin, so that a test can look while load runs:
 * {@code measure <file>} prints {@code nettyDirectBytes=} (what Netty's default allocator holds, by its own
 * metrics) and at once asks the agent, through its MBean's {@code writeReport}, for a report in {@code file};
 * {@code stop}, or the end of stdin, ends the server.
 */
public final class NettyHttpApp {
    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n"
            + "x".repeat(99) + "\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_OF_REQUEST = {'\r', '\n', '\r', '\n'};
    private static final ObjectName HAKMEM = name("dev.hakmem:type=Allocator");

    private NettyHttpApp() {
    }

    public static void main(String[] args) throws Exception {
        // the agent registers its MBean once the platform server exists (it does not create it)
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            Channel channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel child) {
                            child.pipeline().addLast(new Responder());
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            System.out.println("port=" + ((InetSocketAddress) channel.localAddress()).getPort());
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String command; (command = commands.readLine()) != null && !command.equals("stop"); ) {
                check(command.startsWith("measure "), "unknown command: " + command);
                measure(server, command.substring("measure ".length()));
            }
            channel.close().sync();
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
        Checks.ok();
    }

    private static void measure(MBeanServer server, String file) throws Exception {
        long netty = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
        for (int i = 0; i < 50 && !server.isRegistered(HAKMEM); i++) {
            Thread.sleep(100); // looked for once a second by the agent
        }
        server.invoke(HAKMEM, "writeReport", new Object[] {file}, new String[] {String.class.getName()});
        System.out.println("nettyDirectBytes=" + netty);
        System.out.println("measured=" + file);
    }

    private static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (Exception e) {
            throw new IllegalArgumentException(name, e);
        }
    }

    /** Answers each request (whatever it asks) once its empty line has arrived; requests may span reads. */
    private static final class Responder extends ChannelInboundHandlerAdapter {
        private int matched;

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            ByteBuf in = (ByteBuf) message;
            try {
                while (in.isReadable()) {
                    byte b = in.readByte();
                    matched = b == END_OF_REQUEST[matched] ? matched + 1 : b == '\r' ? 1 : 0;
                    if (matched == END_OF_REQUEST.length) {
                        matched = 0;
                        context.write(context.alloc().directBuffer(RESPONSE.length).writeBytes(RESPONSE));
                    }
                }
            } finally {
                in.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext context) {
            context.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            context.close(); // wrk closing its connections at the end is no failure
        }
    }
}
