package dev.hakmem.agent.observe;

import dev.hakmem.agent.report.ReportSnapshot;
import dev.hakmem.agent.report.SiteRow;

import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularData;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;
import java.util.List;
import java.util.Map;

/**
 * The MBean's {@code TopSites}: one row per site, indexed by {@code site} ({@link SiteLabels}) and
 * {@code api}. A table rather than an array because JMX consoles show it as one and the Prometheus
 * JMX exporter turns a table's index columns into labels and its numeric columns into samples
 * (it skips arrays).
 */
final class SiteTable {
    static final CompositeType ROW;
    static final TabularType TYPE;
    private static final String[] COLUMNS = {"site", "api", "location", "liveBytes", "liveBlocks", "allocations", "frees",
            "bytesAllocated", "peakLiveBytes", "peakAtMillis", "behaviour"};

    static {
        String[] descriptions = {
                "class.method:line, unique per API (a #2 suffix tells apart calls that share it)",
                "the JDK method called there, e.g. ByteBuffer.allocateDirect",
                "as a stack trace names it: class.method(File.java:line)",
                "bytes allocated there and not freed yet",
                "blocks allocated there and not freed yet",
                "blocks or buffers allocated there",
                "of those, freed",
                "bytes allocated there in all",
                "the highest live bytes sampled",
                "when that peak was first sampled (epoch milliseconds), 0 if never live",
                "what its live bytes did: IDLE, POOL, GROWING or STEADY"};
        OpenType<?>[] types = {SimpleType.STRING, SimpleType.STRING, SimpleType.STRING, SimpleType.LONG, SimpleType.LONG,
                SimpleType.LONG, SimpleType.LONG, SimpleType.LONG, SimpleType.LONG, SimpleType.LONG, SimpleType.STRING};
        try {
            ROW = new CompositeType("dev.hakmem.Site", "one call site's figures", COLUMNS, descriptions, types);
            TYPE = new TabularType("dev.hakmem.TopSites", "the call sites holding the most live bytes", ROW,
                    new String[]{"site", "api"});
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private SiteTable() {
    }

    /** @return the {@code top} sites holding the most live bytes, highest first (a table keeps that order) */
    static TabularData of(ReportSnapshot snapshot, int top) {
        Map<Integer, String> labels = SiteLabels.unique(snapshot.sites());
        List<SiteRow> rows = snapshot.topByLiveBytes(top);
        TabularDataSupport table = new TabularDataSupport(TYPE, Math.max(rows.size(), 1) * 2, 0.75f);
        for (SiteRow row : rows) {
            Object[] values = {labels.get(row.site().id()), row.site().api().label(), row.site().location(), row.liveBytes(),
                    row.liveBlocks(), row.allocations(), row.frees(), row.bytesAllocated(), row.peakLiveBytes(),
                    row.peakAtMillis(), row.behaviour().name()};
            try {
                table.put(new CompositeDataSupport(ROW, COLUMNS, values));
            } catch (OpenDataException e) {
                throw new IllegalStateException("a site row that does not fit its own type: " + row, e);
            }
        }
        return table;
    }
}
