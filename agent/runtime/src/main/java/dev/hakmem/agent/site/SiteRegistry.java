package dev.hakmem.agent.site;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every call site the agent has rewritten, by id. Filled at transform time (no stack walking at run
 * time); the same site seen again (a class retransformed, or loaded by a second class loader) keeps its id.
 */
public final class SiteRegistry {
    private final List<CallSite> byId = new ArrayList<>();
    private final Map<Key, Integer> ids = new HashMap<>();

    public SiteRegistry() {
        byId.add(null); // 0 means "no site"
    }

    /**
     * @param ordinal which call of {@code api} in the method this is (0, 1, ...), so that two calls on one line stay apart
     * @return the site's id
     */
    public synchronized int register(String className, String method, String descriptor, String file, int line,
                                     DirectMemoryApi api, int ordinal) {
        Key key = new Key(className, method, descriptor, api, ordinal);
        Integer known = ids.get(key);
        if (known != null) {
            return known;
        }
        int id = byId.size();
        byId.add(new CallSite(id, className, method, descriptor, file, line, api));
        ids.put(key, id);
        return id;
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
