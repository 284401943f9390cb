package dev.hakmem.refill.os;

import java.util.Objects;
import java.util.function.LongPredicate;

/**
 * A route whose OS says no when told to: each {@link #map} and {@link #revive} first asks the
 * predicate (given the bytes wanted) and, if it answers true, throws the {@link OutOfMemoryError}
 * a refused {@code mmap} throws. The seam through which tests make the OS boundary fail (the
 * n-th mapping, every mapping while a switch is on); nothing in production builds one.
 */
final class RefusingMemory implements OsMemory {
    private final OsMemory os;
    private final LongPredicate refuse;

    RefusingMemory(OsMemory os, LongPredicate refuse) {
        this.os = Objects.requireNonNull(os, "os");
        this.refuse = Objects.requireNonNull(refuse, "refuse");
    }

    @Override
    public Mapping map(long bytes) {
        if (refuse.test(bytes)) {
            throw new OutOfMemoryError("hakmem: " + os.name() + " refused a mapping of " + bytes + " bytes (injected fault)");
        }
        return os.map(bytes);
    }

    @Override
    public void unmap(Mapping mapping) {
        os.unmap(mapping);
    }

    @Override
    public boolean retain(Mapping mapping) {
        return os.retain(mapping);
    }

    @Override
    public void revive(Mapping mapping) {
        if (refuse.test(mapping.byteSize())) {
            throw new OutOfMemoryError("hakmem: " + os.name() + " refused to remap " + mapping.byteSize()
                    + " bytes (injected fault)");
        }
        os.revive(mapping);
    }

    @Override
    public boolean purge(Mapping mapping, long offset, long bytes) {
        return os.purge(mapping, offset, bytes);
    }

    @Override
    public boolean purges() {
        return os.purges();
    }

    @Override
    public long purgeGranule() {
        return os.purgeGranule();
    }

    @Override
    public String name() {
        return os.name();
    }

    @Override
    public void close() {
        os.close();
    }
}
