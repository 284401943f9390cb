package dev.hakmem.benchmarks;

/**
 * Not an allocator: {@code allocate} returns one constant and {@code free} does nothing, so a workload
 * run with {@code -p allocator=harness} times the benchmark's own work per operation (the script, the
 * slot array, the calls through {@link Candidate} and {@link Slots}). Never in a summary; a reference
 * for how much of a row is the harness. Its blocks must not be touched ({@code bin/bench rss} never
 * runs it).
 */
final class HarnessOnly implements RawAllocator {
    private static final long NOT_AN_ADDRESS = 4096;

    @Override
    public long allocate(long size) {
        return NOT_AN_ADDRESS;
    }

    @Override
    public void free(long address) {
    }
}
