package dev.hakmem.it.apps;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.internal.PlatformDependent;

import java.lang.foreign.MemorySegment;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.hakmem.it.apps.Checks.check;

/**
 * Netty 4.2 as a server uses it, on whatever settings the JVM was started with: {@code directBuffer} and
 * {@code release} in a loop on the pooled, the adaptive and the unpooled allocator (64 B to 64 KiB, some
 * held, plus 1 MiB and 8 MiB), then a 1 MiB echo over 127.0.0.1 through Netty's NIO transport. Prints which
 * of Netty's paths is in use ({@code netty.*} lines) and what the JDK's "direct" pool holds at the end,
 * while Netty's pools still keep their chunks ({@code jdkDirect*}), and Netty's own count of those chunks
 * ({@code nettyDirectBytes}).
 */
public final class NettyApp {
    private static final int ROUNDS = 3000;
    private static final int ECHO_BYTES = 1 << 20;
    private static final int CHUNK_BYTES = 16 << 10;
    /** Kept, so that its chunks are still Netty's at exit, for {@code nettyDirectBytes}. */
    private static final AdaptiveByteBufAllocator ADAPTIVE = new AdaptiveByteBufAllocator();

    private NettyApp() {
    }

    public static void main(String[] args) throws Exception {
        describePlatform();
        churn("pooled", PooledByteBufAllocator.DEFAULT);
        churn("adaptive", ADAPTIVE);
        churn("unpooled", UnpooledByteBufAllocator.DEFAULT);
        echo();
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
        System.out.println("jdkDirectCount=" + direct.getCount());
        System.out.println("jdkDirectBytes=" + direct.getMemoryUsed());
        // Netty's own count of the direct memory its pools hold (their chunks), which they keep after the buffers are released
        System.out.println("nettyDirectBytes=" + (PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory()
                + ADAPTIVE.metric().usedDirectMemory()));
        Checks.ok();
    }

    private static void describePlatform() throws ReflectiveOperationException {
        System.out.println("netty.hasUnsafe=" + PlatformDependent.hasUnsafe());
        System.out.println("netty.noCleanerConstructor=" + PlatformDependent.hasDirectBufferNoCleanerConstructor());
        Field cleaner = PlatformDependent.class.getDeclaredField("CLEANER");
        cleaner.setAccessible(true);
        System.out.println("netty.cleaner=" + cleaner.get(null).getClass().getSimpleName());
        System.out.println("netty.defaultAllocator=" + ByteBufAllocator.DEFAULT.getClass().getSimpleName());
    }

    private static void churn(String name, ByteBufAllocator allocator) {
        List<ByteBuf> held = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            int size = 64 << (round % 11);
            ByteBuf buffer = allocator.directBuffer(size);
            use(buffer, size, round, name);
            if (round % 10 == 0) {
                held.add(buffer);
            } else {
                buffer.release();
            }
        }
        for (int size : new int[] {1 << 20, 8 << 20}) {
            ByteBuf large = allocator.directBuffer(size);
            use(large, size, size, name);
            large.release();
        }
        for (ByteBuf buffer : held) {
            check(buffer.refCnt() == 1, name + ": a held buffer was released");
            buffer.release();
        }
        System.out.println(name + "=ok (" + allocator.directBuffer(1).getClass().getSimpleName() + ")");
    }

    private static void use(ByteBuf buffer, int size, int seed, String name) {
        check(buffer.isDirect() && buffer.capacity() >= size, name + ": not a direct buffer of " + size + ": " + buffer);
        for (int i = 0; i + 4 <= size; i += 256) {
            buffer.setInt(i, i ^ seed);
        }
        for (int i = 0; i + 4 <= size; i += 256) {
            check(buffer.getInt(i) == (i ^ seed), name + ": byte " + i + " of a " + size + "-byte buffer changed");
        }
        ByteBuffer nio = buffer.nioBuffer(0, size);
        check(nio.isDirect(), name + ": its NIO view is not direct");
        if (buffer.hasMemoryAddress()) {
            check(buffer.memoryAddress() == MemorySegment.ofBuffer(nio).address(),
                    name + ": Netty's memory address is not the buffer's");
        }
    }

    private static void echo() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline().addLast(new Echo());
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            byte[] payload = new byte[ECHO_BYTES];
            new Random(42).nextBytes(payload);
            CompletableFuture<byte[]> echoed = new CompletableFuture<>();
            Channel client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new Collect(new byte[ECHO_BYTES], echoed))
                    .connect(server.localAddress()).sync().channel();
            for (int at = 0; at < ECHO_BYTES; at += CHUNK_BYTES) {
                ByteBuf chunk = client.alloc().directBuffer(CHUNK_BYTES);
                chunk.writeBytes(payload, at, CHUNK_BYTES);
                client.write(chunk);
            }
            client.flush();
            byte[] back = echoed.get(20, TimeUnit.SECONDS);
            check(Arrays.equals(payload, back), "the echoed bytes differ from those sent");
            client.close().sync();
            server.close().sync();
            System.out.println("echo=ok");
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
    }

    /** The server side: writes back what it reads. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            context.write(message);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext context) {
            context.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            cause.printStackTrace();
            Checks.fail("the echo server failed: " + cause);
        }
    }

    /** The client side: collects what comes back. */
    private static final class Collect extends ChannelInboundHandlerAdapter {
        private final byte[] into;
        private final CompletableFuture<byte[]> done;
        private int received;

        Collect(byte[] into, CompletableFuture<byte[]> done) {
            this.into = into;
            this.done = done;
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            ByteBuf buffer = (ByteBuf) message;
            try {
                int n = Math.min(buffer.readableBytes(), into.length - received);
                buffer.readBytes(into, received, n);
                received += n;
                if (received == into.length) {
                    done.complete(into);
                }
            } finally {
                buffer.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }
}
