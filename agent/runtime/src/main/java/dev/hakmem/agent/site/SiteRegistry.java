package dev.hakmem.agent.site;

import dev.hakmem.SiteUsage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.WeakHashMap;

/**
 * Every call site the agent has rewritten, by id. Filled at transform time (no stack walking at run
 * time); the same site seen again (a class retransformed, or loaded by a second class loader) keeps its id.
 * It also remembers which class loaders defined the class holding each site, weakly: the bridge links
 * a site only for a class of that name from one of those loaders ({@link #declares}).
 *
 * <p>{@link CallPath}s share the id space (the allocator counts blocks by id) but are not sites:
 * {@link #get} answers a path's id with its site, {@link #all} lists sites only.
 */
public final class SiteRegistry {
    /** Paths kept per site: beyond them, sampled blocks stay counted at the site alone. */
    static final int PATHS_PER_SITE = 64;
    /** Paths kept in all: every id costs each allocating thread a slot in its counter table. */
    static final int PATHS = 8_192;

    private final List<CallSite> byId = new ArrayList<>();
    private final List<Set<ClassLoader>> loadersById = new ArrayList<>();
    private final Map<Key, Integer> ids = new HashMap<>();
    private final Map<Integer, CallPath> paths = new HashMap<>();
    private final Map<Integer, List<CallPath>> pathsBySite = new HashMap<>();
    private final Map<PathKey, Integer> pathIds = new HashMap<>();

    public SiteRegistry() {
        byId.add(null); // 0 means "no site"
        loadersById.add(Collections.emptySet()); // no loader may link it (and, unlike Set.of(), it takes contains(null))
    }

    /**
     * @param loader  the loader defining the class (null for the boot loader)
     * @param ordinal which call of {@code api} in the method this is (0, 1, ...), so that two calls on one line stay apart
     * @return the site's id
     */
    public synchronized int register(ClassLoader loader, String className, String method, String descriptor, String file,
                                     int line, DirectMemoryApi api, int ordinal) {
        Key key = new Key(className, method, descriptor, api, ordinal);
        Integer known = ids.get(key);
        int id;
        if (known != null) {
            id = known;
        } else {
            id = byId.size();
            byId.add(new CallSite(id, className, method, descriptor, file, line, api));
            loadersById.add(Collections.newSetFromMap(new WeakHashMap<>(2)));
            ids.put(key, id);
        }
        loadersById.get(id).add(loader);
        return id;
    }

    /**
     * A site found by walking the stack rather than by rewriting a call ({@link StackSites}): listed and
     * reported like a call site, but no class can link to it (it has no loaders).
     *
     * @return the site's id, the same for the same class, method, descriptor and line
     */
    public synchronized int registerDerived(String className, String method, String descriptor, String file, int line,
                                            DirectMemoryApi api) {
        Key key = new Key(className, method, descriptor, api, line);
        Integer known = ids.get(key);
        if (known != null) {
            return known;
        }
        int id = byId.size();
        byId.add(new CallSite(id, className, method, descriptor, file, line, api));
        loadersById.add(Collections.emptySet()); // no loader may link it (and, unlike Set.of(), it takes contains(null))
        ids.put(key, id);
        return id;
    }

    /**
     * A path of frames that led to {@code siteId}: counted apart by the allocator, reported under the site.
     * Certain samples (a thread's first allocation at a site) and the others of the same frames get two
     * ids, since their blocks are weighted differently; the report joins them.
     *
     * @return the path's id, the same for the same site and frames; {@code siteId} itself once the
     *         site or the registry holds as many paths as it keeps
     */
    public synchronized int registerPath(int siteId, List<PathFrame> frames, boolean certain) {
        CallSite site = get(siteId);
        if (site == null || site.id() != siteId) {
            return siteId;
        }
        PathKey key = new PathKey(siteId, frames, certain);
        Integer known = pathIds.get(key);
        if (known != null) {
            return known;
        }
        List<CallPath> ofSite = pathsBySite.computeIfAbsent(siteId, s -> new ArrayList<>());
        if (ofSite.size() >= PATHS_PER_SITE || paths.size() >= PATHS) {
            return siteId;
        }
        int id = byId.size();
        CallPath path = new CallPath(id, siteId, List.copyOf(frames), certain);
        byId.add(site); // a path's id answers with its site: descriptions, limit errors and JFR events name the site
        loadersById.add(Collections.emptySet());
        paths.put(id, path);
        ofSite.add(path);
        pathIds.put(key, id);
        return id;
    }

    /** @return the path with this id, or null if the id is a site's or unknown */
    public synchronized CallPath path(int id) {
        return paths.get(id);
    }

    /** @return the paths found so far below {@code siteId}, in the order they were found */
    public synchronized List<CallPath> pathsOf(int siteId) {
        List<CallPath> ofSite = pathsBySite.get(siteId);
        return ofSite == null ? List.of() : List.copyOf(ofSite);
    }

    /**
     * @param usage per id, as the allocator counts: sites and paths
     * @return per site, each path's counts added to its site's, in site order
     */
    public List<SiteUsage> bySite(List<SiteUsage> usage) {
        Map<Integer, SiteUsage> sums = new TreeMap<>();
        for (SiteUsage u : usage) {
            int site = siteOf(u.siteId());
            sums.merge(site, site == u.siteId() ? u : new SiteUsage(site, u.allocations(), u.frees(), u.bytesAllocated(), u.bytesFreed()),
                    (a, b) -> new SiteUsage(site, a.allocations() + b.allocations(), a.frees() + b.frees(),
                            a.bytesAllocated() + b.bytesAllocated(), a.bytesFreed() + b.bytesFreed()));
        }
        return List.copyOf(sums.values());
    }

    /** @return the site an id counts for: a path's site, or the id itself */
    public synchronized int siteOf(int id) {
        CallPath path = paths.get(id);
        return path == null ? id : path.siteId();
    }

    /**
     * @return true if the agent rewrote site {@code id} in {@code holder}: a class of that name, defined
     * by a loader the site was registered for
     */
    public synchronized boolean declares(Class<?> holder, int id) {
        CallSite site = get(id);
        return site != null && site.className().equals(holder.getName()) && loadersById.get(id).contains(holder.getClassLoader());
    }

    /** @return the site, or null for 0 and unknown ids; for a path's id, its site */
    public synchronized CallSite get(int id) {
        return id > 0 && id < byId.size() ? byId.get(id) : null;
    }

    /** @return every site, without paths */
    public synchronized List<CallSite> all() {
        List<CallSite> sites = new ArrayList<>(byId.size() - paths.size());
        for (int id = 1; id < byId.size(); id++) {
            if (!paths.containsKey(id)) {
                sites.add(byId.get(id));
            }
        }
        return sites;
    }

    /** @return how many sites there are (paths not counted) */
    public synchronized int size() {
        return byId.size() - 1 - paths.size();
    }

    /** @return the site's {@link CallSite#location()}, or "site N" if unknown */
    public String describe(int id) {
        CallSite site = get(id);
        return site == null ? (id == 0 ? "an unknown site" : "site " + id) : site.location() + " [" + site.api().label() + ", site " + id + "]";
    }

    private record Key(String className, String method, String descriptor, DirectMemoryApi api, int ordinal) {
    }

    private record PathKey(int siteId, List<PathFrame> frames, boolean certain) {
    }
}
