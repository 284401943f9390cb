package dev.hakmem;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * What debug mode has found, one entry per kind and allocating site (a site that overflows a
 * million blocks is one bug, logged once), in the order first found. Thread-safe.
 */
final class DebugFindings {
    private static final Logger LOG = LoggerFactory.getLogger(DebugFindings.class);

    private final ConcurrentHashMap<Long, Entry> byKey = new ConcurrentHashMap<>();
    private final List<Entry> inOrder = new CopyOnWriteArrayList<>();

    private record Entry(DebugFinding first, LongAdder count) {
    }

    void report(DebugFinding.Kind kind, long address, long size, long offset, int allocationSite, int freeSite) {
        long key = ((long) kind.ordinal() << 32) | (allocationSite & 0xFFFF_FFFFL);
        Entry entry = byKey.get(key);
        if (entry == null) {
            Entry made = new Entry(new DebugFinding(kind, address, size, offset, allocationSite, freeSite, 1), new LongAdder());
            entry = byKey.putIfAbsent(key, made);
            if (entry == null) {
                made.count.increment();
                inOrder.add(made);
                LOG.warn("hakmem debug: {}; further {} findings of site {} are only counted (HakmemAllocator.debugFindings())",
                        made.first, kind, allocationSite);
                return;
            }
        }
        entry.count.increment();
    }

    List<DebugFinding> snapshot() {
        List<DebugFinding> list = new ArrayList<>(inOrder.size());
        for (Entry e : inOrder) {
            DebugFinding f = e.first;
            list.add(new DebugFinding(f.kind(), f.address(), f.size(), f.offset(), f.allocationSite(), f.freeSite(),
                    e.count.sum()));
        }
        return List.copyOf(list);
    }
}
