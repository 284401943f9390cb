package dev.hakmem.it.apps;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * A program as monitoring sees it: it holds 16 direct buffers of 64 KiB and one {@code Unsafe} block of
 * 256 KiB, then, by {@code args[0]}:
 * <ul>
 *   <li>{@code jfr}: frees one block twice (an invalid free), fills the direct-memory limit (run it with
 *       {@code limit=2m}) until {@code allocateDirect} throws, and holds everything for {@code args[1]} ms,
 *       so that a recording gets periodic events;</li>
 *   <li>{@code debug} (run it with {@code debug=true}): writes one byte past a 24-byte block, frees it (debug
 *       mode finds the overflow there) and holds everything for {@code args[1]} ms, so that the finding is
 *       collected while the program runs;</li>
 *   <li>{@code jmx}: reads its own {@code dev.hakmem:type=Allocator} and the buffer pools on the platform MBean
 *       server and prints them as {@code key=value} lines, then calls {@code writeReport(args[1])};</li>
 *   <li>{@code serve}: prints {@code ready} once the MBean is there and holds everything until a line on stdin.</li>
 * </ul>
 */
public final class ObservedApp {
    private static final String ALLOCATOR = "dev.hakmem:type=Allocator";
    private static final List<ByteBuffer> HELD = new ArrayList<>();

    private ObservedApp() {
    }

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < 16; i++) {
            HELD.add(ByteBuffer.allocateDirect(64 << 10)); // site:held-buffers
        }
        long block = UNSAFE.allocateMemory(256 << 10); // site:held-block
        switch (args[0]) {
            case "jfr" -> misbehave(Long.parseLong(args[1]));
            case "debug" -> overflow(Long.parseLong(args[1]));
            case "jmx" -> readOwnBeans(args[1]);
            case "serve" -> serve();
            default -> Checks.fail("no mode " + args[0]);
        }
        UNSAFE.freeMemory(block);
        Checks.ok();
    }

    private static void misbehave(long holdMillis) throws InterruptedException {
        long twice = UNSAFE.allocateMemory(4096); // site:freed-twice
        UNSAFE.freeMemory(twice);
        UNSAFE.freeMemory(twice); // site:second-free
        try {
            for (int i = 0; i < 100; i++) {
                HELD.add(ByteBuffer.allocateDirect(256 << 10)); // site:over-limit
            }
            Checks.fail("no OutOfMemoryError at the limit");
        } catch (OutOfMemoryError e) {
            System.out.println("oome=" + e.getMessage());
        }
        Thread.sleep(holdMillis);
    }

    private static void overflow(long holdMillis) throws InterruptedException {
        long block = UNSAFE.allocateMemory(24); // site:overflow-allocate
        UNSAFE.putByte(block + 24, (byte) 1); // one byte past the 24 asked for
        UNSAFE.freeMemory(block); // site:overflow-free
        Thread.sleep(holdMillis);
    }

    private static MBeanServer awaitAllocatorBean() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName(ALLOCATOR);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!server.isRegistered(name)) {
            check(System.nanoTime() < deadline, ALLOCATOR + " was not registered within 20 s");
            Thread.sleep(20);
        }
        return server;
    }

    private static void readOwnBeans(String report) throws Exception {
        MBeanServer server = awaitAllocatorBean();
        ObjectName name = new ObjectName(ALLOCATOR);
        List<String> attributes = new ArrayList<>();
        for (MBeanAttributeInfo a : server.getMBeanInfo(name).getAttributes()) {
            attributes.add(a.getName());
            Object value = server.getAttribute(name, a.getName());
            if (value instanceof TabularData table) {
                for (Object row : table.values()) {
                    CompositeData site = (CompositeData) row;
                    System.out.println("site=" + site.get("site") + "|" + site.get("api") + "|" + site.get("liveBytes") + "|"
                            + site.get("liveBlocks") + "|" + site.get("allocations") + "|" + site.get("location"));
                }
            } else if (!(value instanceof CompositeData)) {
                System.out.println(a.getName() + "=" + value);
            }
        }
        System.out.println("attributes=" + String.join(",", attributes));
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(server, BufferPoolMXBean.class)) {
            System.out.println("pool." + pool.getName() + "=" + pool.getCount() + "|" + pool.getMemoryUsed() + "|" + pool.getTotalCapacity());
        }
        Object written = server.invoke(name, "writeReport", new Object[]{report}, new String[]{String.class.getName()});
        System.out.println("writeReport=" + written);
    }

    private static void serve() throws Exception {
        awaitAllocatorBean();
        System.out.println("ready");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    }
}
