package dev.hakmem.agent.site;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Every call site the agent has rewritten, by id. Filled at transform time (no stack walking at run
 * time); the same site seen again (a class retransformed, or loaded by a second class loader) keeps its id.
 * It also remembers which class loaders defined the class holding each site, weakly: the bridge links
 * a site only for a class of that name from one of those loaders ({@link #declares}).
 */
public final class SiteRegistry {
    private final List<CallSite> byId = new ArrayList<>();
    private final List<Set<ClassLoader>> loadersById = new ArrayList<>();
    private final Map<Key, Integer> ids = new HashMap<>();

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
     * @return true if the agent rewrote site {@code id} in {@code holder}: a class of that name, defined
     * by a loader the site was registered for
     */
    public synchronized boolean declares(Class<?> holder, int id) {
        CallSite site = get(id);
        return site != null && site.className().equals(holder.getName()) && loadersById.get(id).contains(holder.getClassLoader());
    }

    /** @return the site, or null for 0 and unknown ids */
    public synchronized CallSite get(int id) {
        return id > 0 && id < byId.size() ? byId.get(id) : null;
    }

    public synchronized List<CallSite> all() {
        return List.copyOf(byId.subList(1, byId.size()));
    }

    public synchronized int size() {
        return byId.size() - 1;
    }

    /** @return the site's {@link CallSite#location()}, or "site N" if unknown */
    public String describe(int id) {
        CallSite site = get(id);
        return site == null ? (id == 0 ? "an unknown site" : "site " + id) : site.location() + " [" + site.api().label() + ", site " + id + "]";
    }

    private record Key(String className, String method, String descriptor, DirectMemoryApi api, int ordinal) {
    }
}
