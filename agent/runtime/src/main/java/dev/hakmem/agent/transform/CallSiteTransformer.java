package dev.hakmem.agent.transform;

import dev.hakmem.agent.site.SiteRegistry;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Opcodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The agent's {@link ClassFileTransformer}: filters on the class name and loader, then on the
 * constant pool ({@link ConstantPoolScan}), and only then parses and rewrites ({@link CallSiteRewriter}).
 * A class that fails to rewrite loads unchanged, with one warning and a count.
 */
public final class CallSiteTransformer implements ClassFileTransformer {
    private static final Logger LOG = LoggerFactory.getLogger(CallSiteTransformer.class);
    private static final int MAJOR_VERSION_OFFSET = 6;

    private final SiteRegistry registry;
    private final ClassFilter filter;
    private final LongAdder scanned = new LongAdder();
    private final LongAdder transformed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder handlesLeft = new LongAdder();
    private final LongAdder tooOld = new LongAdder();
    private final LongAdder segmentFreeSites = new LongAdder();

    private final Runnable onFirstRewrite;
    private final AtomicBoolean rewroteAny = new AtomicBoolean();

    /**
     * @param onFirstRewrite run once, when the first class with a call site is rewritten: before any
     *                       rewritten call can run, and only in applications that make such calls
     */
    public CallSiteTransformer(SiteRegistry registry, ClassFilter filter, Runnable onFirstRewrite) {
        this.registry = registry;
        this.filter = filter;
        this.onFirstRewrite = onFirstRewrite;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classFile) {
        try {
            if (!filter.accepts(loader, className)) {
                return null;
            }
            scanned.increment();
            if (!ConstantPoolScan.mayCallDirectMemory(classFile)) {
                return null;
            }
            return rewrite(loader, classFile, classBeingRedefined == null);
        } catch (Throwable t) {
            failed.increment();
            LOG.warn("hakmem: could not rewrite {}; it loads unchanged, its direct memory stays with the JDK", className, t);
            return null;
        }
    }

    /** {@link #rewrite(ClassLoader, byte[], boolean)} for a class of the boot loader. */
    public byte[] rewrite(byte[] classFile, boolean mayAddMethods) {
        return rewrite(null, classFile, mayAddMethods);
    }

    /**
     * @param loader        the loader that defines the class (null for the boot loader); only its class may link the sites
     * @param mayAddMethods false when retransforming, where the JVM refuses new methods
     * @return the rewritten class, or null if it has no call site to rewrite
     */
    public byte[] rewrite(ClassLoader loader, byte[] classFile, boolean mayAddMethods) {
        ClassReader reader = new ClassReader(classFile);
        if (reader.readUnsignedShort(MAJOR_VERSION_OFFSET) < Opcodes.V1_7) {
            tooOld.increment();
            LOG.debug("hakmem: {} predates Java 7's class format (no invokedynamic); its direct-memory calls stay with the JDK",
                    reader.getClassName());
            return null;
        }
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        boolean internalUnsafe = filter.mayRewriteInternalUnsafe(loader, reader.getClassName(), classFile);
        CallSiteRewriter rewriter = new CallSiteRewriter(writer, registry, loader, mayAddMethods, internalUnsafe);
        reader.accept(rewriter, 0);
        if (rewriter.handlesLeft() > 0) {
            handlesLeft.add(rewriter.handlesLeft());
            LOG.debug("hakmem: {} method handle(s) in {} name a direct-memory method and stay with the JDK",
                    rewriter.handlesLeft(), reader.getClassName());
        }
        if (rewriter.rewritten() == 0) {
            return null;
        }
        segmentFreeSites.add(rewriter.segmentFrees());
        transformed.increment();
        // the funnel's cleanup class is rewritten ahead of need (SegmentFunnel): it starts nothing
        boolean allocates = rewriter.rewritten() > rewriter.segmentFrees();
        if (allocates && !rewroteAny.get() && rewroteAny.compareAndSet(false, true)) {
            onFirstRewrite.run();
        }
        return writer.toByteArray();
    }

    /** The constant-pool test, for classes loaded before the agent. */
    public static boolean mayCallDirectMemory(byte[] classFile) {
        return ConstantPoolScan.mayCallDirectMemory(classFile);
    }

    /** @return classes whose bytes were examined after the name filter */
    public long scannedClasses() {
        return scanned.sum();
    }

    public long transformedClasses() {
        return transformed.sum();
    }

    public long failedClasses() {
        return failed.sum();
    }

    public long handlesLeft() {
        return handlesLeft.sum();
    }

    /** @return calls of the native-segment funnel's free rewritten so far ({@link SegmentFunnel}) */
    public long segmentFreeSites() {
        return segmentFreeSites.sum();
    }

    /** @return classes with possible call sites whose class file predates Java 7, left to the JDK */
    public long tooOldClasses() {
        return tooOld.sum();
    }
}
