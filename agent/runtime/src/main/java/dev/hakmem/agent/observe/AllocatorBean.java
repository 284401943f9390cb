package dev.hakmem.agent.observe;

import dev.hakmem.agent.report.ReportSnapshot;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.ReflectionException;
import javax.management.RuntimeOperationsException;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenMBeanAttributeInfoSupport;
import javax.management.openmbean.OpenMBeanOperationInfoSupport;
import javax.management.openmbean.OpenMBeanParameterInfoSupport;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * {@code dev.hakmem:type=Allocator}: the report's totals and top sites as attributes, and the
 * operations {@code writeReport(path)} and {@code resetPeaks()}.
 *
 * <p>A {@link DynamicMBean} rather than a standard MBean or MXBean: JMX calls a standard MBean's
 * interface through a trampoline class in an unnamed module, which would need this package exported
 * from hakmem's module to everyone; the MBean server calls a dynamic one directly. Its types are open
 * types, so any console or exporter reads it without hakmem's classes. {@link #getAttributes} reads
 * one snapshot for all the attributes it is asked for, so they agree with each other.
 */
final class AllocatorBean implements DynamicMBean {
    static final String OBJECT_NAME = "dev.hakmem:type=Allocator";

    private final CachedSnapshot snapshots;
    private final Predicate<Path> writeReport;
    private final Runnable resetPeaks;
    private final int topSites;
    private final List<Property> properties;
    private final MBeanInfo info;

    /** One attribute: its name, open type (null when the type varies) and how a snapshot gives it. */
    private record Property(String name, OpenType<?> type, String description, Function<ReportSnapshot, Object> value) {
        MBeanAttributeInfo info() {
            return type == null ? new MBeanAttributeInfo(name, CompositeData.class.getName(), description, true, false, false)
                    : new OpenMBeanAttributeInfoSupport(name, description, type, true, false, false);
        }
    }

    /**
     * @param writeReport writes the report to a file (its name's extension picks the format); false if it could not
     * @param topSites    rows in {@code TopSites}
     */
    AllocatorBean(CachedSnapshot snapshots, Predicate<Path> writeReport, Runnable resetPeaks, int topSites) {
        this.snapshots = snapshots;
        this.writeReport = writeReport;
        this.resetPeaks = resetPeaks;
        this.topSites = topSites;
        this.properties = List.of(
                total("Allocations", "allocations", "blocks and buffers allocated at the rewritten call sites"),
                total("Frees", "frees", "of those, freed"),
                total("BytesAllocated", "bytesAllocated", "bytes allocated in all"),
                total("LiveBytes", "liveBytes", "bytes allocated and not freed yet"),
                total("LiveBlocks", "liveBlocks", "blocks and buffers allocated and not freed yet"),
                total("Sites", "sites", "call sites rewritten"),
                text("Mode", "mode", "replace (hakmem allocates) or observe (the JDK allocates, hakmem attributes)"),
                text("MemoryRoute", "memoryRoute", "how hakmem maps memory from the OS (jdk in observe mode)"),
                total("DirectReservedBytes", "directReservedBytes", "direct-buffer capacity counted against the limit now"),
                total("DirectLimitBytes", "directLimitBytes", "the direct-buffer limit"),
                total("InvalidFrees", "invalidFrees", "frees refused as double or interior frees"),
                total("ForcedGcs", "forcedGcs", "System.gc() calls forced by the direct-memory limit"),
                new Property("Totals", null, "every figure of the report's totals, named as in its JSON", AllocatorBean::totals),
                new Property("TopSites", SiteTable.TYPE, "the " + topSites + " call sites holding the most live bytes, highest first",
                        s -> SiteTable.of(s, this.topSites)));
        List<MBeanAttributeInfo> attributes = new ArrayList<>();
        for (Property p : properties) {
            attributes.add(p.info());
        }
        MBeanOperationInfo[] operations = {
                new OpenMBeanOperationInfoSupport("writeReport",
                        "writes the report now; the file name's extension picks JSON, text (.txt) or HTML (.html)",
                        new OpenMBeanParameterInfoSupport[]{new OpenMBeanParameterInfoSupport("path",
                                "the file to write, absolute or relative to the JVM's working directory", SimpleType.STRING)},
                        SimpleType.STRING, MBeanOperationInfo.ACTION),
                new OpenMBeanOperationInfoSupport("resetPeaks", "starts every site's peak live bytes again from its live bytes now",
                        new OpenMBeanParameterInfoSupport[0], SimpleType.VOID, MBeanOperationInfo.ACTION)};
        this.info = new MBeanInfo(AllocatorBean.class.getName(),
                "hakmem: direct memory by call site (the agent's report, at most a second old)",
                attributes.toArray(new MBeanAttributeInfo[0]), null, operations, null);
    }

    private static Property total(String name, String key, String description) {
        return new Property(name, SimpleType.LONG, description, s -> s.total(key));
    }

    private static Property text(String name, String key, String description) {
        return new Property(name, SimpleType.STRING, description, s -> String.valueOf(s.totals().getOrDefault(key, "")));
    }

    /** The totals as they are in the snapshot, whatever they are: integral numbers as longs, other values as text. */
    static CompositeData totals(ReportSnapshot snapshot) {
        Map<String, Object> totals = snapshot.totals();
        if (totals.isEmpty()) {
            return null; // a composite type needs at least one item
        }
        String[] names = totals.keySet().toArray(new String[0]);
        OpenType<?>[] types = new OpenType<?>[names.length];
        Object[] values = new Object[names.length];
        for (int i = 0; i < names.length; i++) {
            Object v = totals.get(names[i]);
            if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
                types[i] = SimpleType.LONG;
                values[i] = ((Number) v).longValue();
            } else if (v instanceof Number n) {
                types[i] = SimpleType.DOUBLE;
                values[i] = n.doubleValue();
            } else if (v instanceof Boolean) {
                types[i] = SimpleType.BOOLEAN;
                values[i] = v;
            } else {
                types[i] = SimpleType.STRING;
                values[i] = String.valueOf(v);
            }
        }
        try {
            return new CompositeDataSupport(new CompositeType("dev.hakmem.Totals", "the report's totals", names, names, types),
                    names, values);
        } catch (OpenDataException e) {
            throw new IllegalStateException("totals that do not make an open type: " + totals.keySet(), e);
        }
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        return property(attribute).value().apply(snapshots.get());
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        AttributeList list = new AttributeList();
        ReportSnapshot snapshot = snapshots.get();
        for (String name : attributes) {
            for (Property p : properties) {
                if (p.name().equals(name)) {
                    list.add(new Attribute(name, p.value().apply(snapshot)));
                }
            }
        }
        return list;
    }

    private Property property(String name) throws AttributeNotFoundException {
        for (Property p : properties) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new AttributeNotFoundException("dev.hakmem:type=Allocator has no attribute " + name);
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        property(attribute.getName());
        throw new AttributeNotFoundException("dev.hakmem:type=Allocator's attributes are read-only: " + attribute.getName());
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList(); // none is writable
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) throws MBeanException, ReflectionException {
        int arguments = params == null ? 0 : params.length;
        if (actionName.equals("writeReport") && arguments == 1 && params[0] instanceof String path) {
            return writeReport(path);
        }
        if (actionName.equals("resetPeaks") && arguments == 0) {
            resetPeaks.run();
            snapshots.invalidate();
            return null;
        }
        throw new ReflectionException(new NoSuchMethodException(actionName + " with " + arguments + " arguments"),
                "dev.hakmem:type=Allocator has the operations writeReport(String path) and resetPeaks()");
    }

    private String writeReport(String path) throws MBeanException {
        if (path.isBlank()) {
            throw new RuntimeOperationsException(new IllegalArgumentException("writeReport needs a file name, e.g. /tmp/hakmem.html"));
        }
        Path file;
        try {
            file = Path.of(path.strip()).toAbsolutePath();
        } catch (InvalidPathException e) {
            throw new RuntimeOperationsException(new IllegalArgumentException("not a file name: " + path, e));
        }
        if (!writeReport.test(file)) {
            throw new MBeanException(new IOException("could not write the report to " + file + " (the application's log says why)"));
        }
        return "report written to " + file;
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return info;
    }
}
