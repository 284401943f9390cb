package dev.hakmem.agent.transform;

import dev.hakmem.agent.site.DirectMemoryApi;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which classes the agent may rewrite: application and library classes by default, JDK classes only
 * with {@code jdk=true}, narrowed by {@code include}/{@code exclude} patterns on binary class names
 * ({@code *} any run of characters, {@code ?} one, several patterns separated by {@code :}, as JaCoCo's
 * agent takes them). hakmem's own classes and the bridge are never rewritten.
 */
public final class ClassFilter {
    private static final String[] JDK_PREFIXES = {"java/", "javax/", "jdk/", "sun/", "com/sun/", "org/ietf/jgss/",
            "org/w3c/dom/", "org/xml/sax/"};

    private static final String BOOTSTRAP_PACKAGE = "dev/hakmem/agent/";

    private final List<Pattern> includes;
    private final List<Pattern> excludes;
    private final boolean jdk;
    private final ClassLoader hakmemLoader;
    private final SegmentFunnel segments;

    /**
     * @param includes patterns a class must match one of (empty: every class)
     * @param excludes patterns no class may match
     */
    public ClassFilter(List<String> includes, List<String> excludes, boolean jdk, ClassLoader hakmemLoader) {
        this(includes, excludes, jdk, hakmemLoader, null);
    }

    /**
     * @param segments if not null, also the JDK's native-segment funnel ({@code jdk.internal.foreign.SegmentFactories}
     *                 and its nested classes, boot loader only), whatever {@code jdk} and the patterns say, in
     *                 the order {@link SegmentFunnel} allows
     */
    public ClassFilter(List<String> includes, List<String> excludes, boolean jdk, ClassLoader hakmemLoader, SegmentFunnel segments) {
        this.segments = segments;
        this.includes = compileAll(includes);
        this.excludes = compileAll(excludes);
        this.jdk = jdk;
        this.hakmemLoader = hakmemLoader;
    }

    /** @param internalName as a {@code ClassFileTransformer} gets it, e.g. {@code com/example/Pool} (may be null) */
    public boolean accepts(ClassLoader loader, String internalName) {
        if (internalName == null || (loader != null && loader == hakmemLoader) || internalName.startsWith("java/nio/Hakmem")
                || isAgentBootstrap(internalName)) {
            return false;
        }
        if (DirectMemoryApi.isSegmentFunnelClass(internalName)) {
            return segments != null && loader == null && segments.accepts(internalName);
        }
        if (!jdk && (isJdkLoader(loader) || hasJdkName(internalName))) {
            return false;
        }
        if (includes.isEmpty() && excludes.isEmpty()) {
            return true;
        }
        String name = internalName.replace('/', '.');
        return (includes.isEmpty() || matchesAny(includes, name)) && !matchesAny(excludes, name);
    }

    /**
     * Whether the class's {@code jdk.internal.misc.Unsafe} memory calls may be rewritten, once
     * {@link #accepts} let it through: always in library and application classes (only those given
     * {@code --add-exports java.base/jdk.internal.misc} can make them at all); in a JDK class only with
     * {@code jdk=true} and if it is one of {@link SelfFreeingJdkClasses}, which free every block they
     * allocate themselves. The JDK calls the internal {@code Unsafe} throughout {@code java.base} (its own
     * direct buffers, {@code sun.misc.Unsafe} itself): a block of hakmem's reaching one of its
     * {@code freeMemory} calls that was not rewritten would end the process.
     *
     * @param classFile the class's bytes, for the JDK classes' shape check
     */
    public boolean mayRewriteInternalUnsafe(ClassLoader loader, String internalName, byte[] classFile) {
        if (!isJdkLoader(loader) && !hasJdkName(internalName)) {
            return true;
        }
        return jdk && loader == null && SelfFreeingJdkClasses.accepts(internalName, classFile);
    }

    private static boolean matchesAny(List<Pattern> patterns, String name) {
        for (Pattern p : patterns) {
            if (p.matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }

    private static List<Pattern> compileAll(List<String> globs) {
        List<Pattern> patterns = new ArrayList<>(globs.size());
        for (String glob : globs) {
            patterns.add(compile(glob));
        }
        return patterns;
    }

    /** The agent's bootstrap classes (package dev.hakmem.agent) sit on the application's loader. */
    private static boolean isAgentBootstrap(String internalName) {
        return internalName.startsWith(BOOTSTRAP_PACKAGE) && internalName.indexOf('/', BOOTSTRAP_PACKAGE.length()) < 0;
    }

    private static boolean isJdkLoader(ClassLoader loader) {
        return loader == null || loader == ClassLoader.getPlatformClassLoader();
    }

    private static boolean hasJdkName(String internalName) {
        for (String prefix : JDK_PREFIXES) {
            if (internalName.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    static Pattern compile(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }
}
