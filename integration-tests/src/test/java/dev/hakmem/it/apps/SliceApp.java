package dev.hakmem.it.apps;

import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;

import static dev.hakmem.it.apps.Checks.check;
import static dev.hakmem.it.apps.Unsafes.UNSAFE;

/**
 * Slices, duplicates, read-only copies and views keep their parent's memory alive: the program keeps
 * only those, drops every parent, forces collections, and reuses memory of the parents' size (if a
 * parent's memory had been released, the new buffers, zeroed and then overwritten, would take it); the
 * derived buffers must still read what was written through the parents. Then it drops them too and
 * waits until the parents are collected, so that the report shows them released.
 */
public final class SliceApp {
    private static final int PARENT_BYTES = 1 << 20;
    private static final int CHURN_BUFFERS = 64;
    private static final List<WeakReference<ByteBuffer>> PARENTS = new ArrayList<>();

    private SliceApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        ByteBuffer slice = sliceOfDroppedParent();
        ByteBuffer duplicate = duplicateOfDroppedParent();
        ByteBuffer readOnly = readOnlyOfDroppedParent();
        LongBuffer view = longViewOfDroppedParent();
        ByteBuffer sliceOfSlice = sliceOfDroppedParent().slice(100, 1000);

        for (int round = 0; round < 5; round++) {
            System.gc();
            Thread.sleep(20);
            churn(round);
        }

        verify(slice, 4096, 11, "slice");
        verify(duplicate, 0, 22, "duplicate");
        verify(readOnly, 0, 33, "read-only copy");
        for (int i = 0; i < view.capacity(); i++) {
            check(view.get(i) == 44L * i, "long view element " + i + " is " + view.get(i));
        }
        verify(sliceOfSlice, 4096 + 100, 11, "slice of a slice");
        long alive = PARENTS.stream().filter(p -> p.get() != null).count();
        check(alive == PARENTS.size(), "a parent was collected while a derived buffer still used it");
        System.out.println("derived=ok");

        slice = null;
        duplicate = null;
        readOnly = null;
        view = null;
        sliceOfSlice = null;
        awaitParentsCollected();
        Checks.ok();
    }

    private static ByteBuffer parent(int seed) {
        ByteBuffer parent = ByteBuffer.allocateDirect(PARENT_BYTES); // site:parent
        for (int i = 0; i < PARENT_BYTES; i++) {
            parent.put(i, pattern(i, seed));
        }
        PARENTS.add(new WeakReference<>(parent));
        return parent;
    }

    private static ByteBuffer sliceOfDroppedParent() {
        return parent(11).slice(4096, 8192);
    }

    private static ByteBuffer duplicateOfDroppedParent() {
        return parent(22).duplicate();
    }

    private static ByteBuffer readOnlyOfDroppedParent() {
        return parent(33).asReadOnlyBuffer();
    }

    private static LongBuffer longViewOfDroppedParent() {
        ByteBuffer parent = ByteBuffer.allocateDirect(PARENT_BYTES); // site:view-parent
        PARENTS.add(new WeakReference<>(parent));
        LongBuffer view = parent.asLongBuffer();
        for (int i = 0; i < view.capacity(); i++) {
            view.put(i, 44L * i);
        }
        return view;
    }

    /** Buffers of the parents' size, dirtied and freed at once: they take any memory released early. */
    private static void churn(int round) {
        for (int i = 0; i < CHURN_BUFFERS; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(PARENT_BYTES); // site:churn
            for (int at = 0; at < PARENT_BYTES; at += 8) {
                buffer.putLong(at, 0x5A5A5A5A5A5A5A5AL ^ round);
            }
            UNSAFE.invokeCleaner(buffer);
        }
    }

    private static void verify(ByteBuffer derived, int offset, int seed, String what) {
        for (int i = 0; i < derived.capacity(); i++) {
            byte expected = pattern(offset + i, seed);
            if (derived.get(i) != expected) {
                Checks.fail(what + ": byte " + i + " is " + derived.get(i) + ", expected " + expected
                        + " (the parent's memory was released or reused while the " + what + " still used it)");
            }
        }
    }

    private static byte pattern(int index, int seed) {
        return (byte) (index * 7 + seed + (index >>> 9));
    }

    /** The parents become unreachable with their derived buffers; their release then runs on the Reference Handler. */
    private static void awaitParentsCollected() throws InterruptedException {
        for (int round = 0; round < 100 && PARENTS.stream().anyMatch(p -> p.get() != null); round++) {
            System.gc();
            Thread.sleep(10);
        }
        check(PARENTS.stream().allMatch(p -> p.get() == null), "the parents were never collected");
        // the cleaners run right after the collection, on the Reference Handler thread
        Thread.sleep(300);
        System.out.println("parents=collected");
    }
}
