#!/usr/bin/env python3
"""Merge the JMH JSON results of one bin/bench run into summary.md (and print it).

Usage: summarize.py RESULTS_DIR

Every *.json file in RESULTS_DIR is one JMH invocation (-rf json). A row of a table is a workload with
its parameters and thread count; a column is an allocator. The JMH parameter allocator=unsafe is shown
under the native malloc it ran over: the label bin/bench passed as -Dhakmem.label=... (glibc when none).
"""
import json
import math
import pathlib
import re
import sys

COLUMNS = ["hakmem", "glibc", "jemalloc", "mimalloc", "tcmalloc", "arena", "netty-pooled", "netty-adaptive"]
NATIVE = ["glibc", "jemalloc", "mimalloc", "tcmalloc"]
OTHERS = [c for c in COLUMNS if c != "hakmem"]
LABEL = re.compile(r"^-Dhakmem\.label=(.+)$")


def column_of(record):
    allocator = record["params"].get("allocator", "?")
    if allocator != "unsafe":
        return allocator
    for arg in record.get("jvmArgs", []):
        match = LABEL.match(arg)
        if match:
            return match.group(1)
    return "glibc"


def sort_key(value):
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)


def fmt(value, digits=1):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def best_of(cells, names):
    present = [(cells[n], n) for n in names if n in cells]
    return min(present) if present else None


def ratio(best, hakmem):
    if best is None or hakmem is None or hakmem <= 0:
        return "–"
    return f"{best[0] / hakmem:.2f}× ({best[1]})"


def load(directory):
    """{workload: {(params, threads): {column: record}}} and the files read."""
    tables = {}
    files = sorted(directory.glob("*.json"))
    for path in files:
        text = path.read_text().strip()
        if not text:
            continue
        for record in json.loads(text):
            workload = record["benchmark"].rsplit(".", 2)[-2]
            params = tuple(sorted((k, v) for k, v in record.get("params", {}).items() if k != "allocator"))
            key = (params, record["threads"])
            tables.setdefault(workload, {}).setdefault(key, {})[column_of(record)] = record
    return tables, files


def row_label(key):
    params, threads = key
    parts = [f"{k}={v}" for k, v in params]
    parts.append(f"t={threads}")
    return ", ".join(parts)


def row_order(key):
    params, threads = key
    return (tuple(sort_key(v) for _, v in params), threads)


def score(record):
    return record["primaryMetric"]["score"] if record else None


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    directory = pathlib.Path(argv[1])
    tables, files = load(directory)
    if not tables:
        print(f"no JMH results in {directory}", file=sys.stderr)
        return 1

    out = [f"# hakmem benchmarks — {directory.name}", ""]
    first = next(iter(next(iter(next(iter(tables.values())).values())).values()))
    out.append(f"JDK {first.get('jdkVersion', '?')} ({first.get('vmName', '?')} {first.get('vmVersion', '')}), "
               f"JMH {first.get('jmhVersion', '?')}; forks {first.get('forks')}, "
               f"warmup {first.get('warmupIterations')} × {first.get('warmupTime')}, "
               f"measurement {first.get('measurementIterations')} × {first.get('measurementTime')}; "
               f"{len(files)} result files.")
    out.append("")
    out.append("Cells: JMH avgt, ns per operation (one allocate + one free), per thread; lower is better. "
               "Ratios: best other / hakmem, so above 1.00 means hakmem is faster; the winner is in brackets. "
               "glibc/jemalloc/mimalloc/tcmalloc are `Unsafe.allocateMemory/freeMemory` over that malloc (LD_PRELOAD).")
    out.append("")

    for workload in sorted(tables):
        rows = tables[workload]
        out.append(f"## {workload}")
        out.append("")
        out.append("| params | " + " | ".join(COLUMNS) + " | best native / hakmem | best other / hakmem |")
        out.append("|---|" + "---:|" * len(COLUMNS) + "---|---|")
        for key in sorted(rows, key=row_order):
            cells = {c: score(r) for c, r in rows[key].items()}
            hakmem = cells.get("hakmem")
            line = [row_label(key)] + [fmt(cells.get(c)) for c in COLUMNS]
            line += [ratio(best_of(cells, NATIVE), hakmem), ratio(best_of(cells, OTHERS), hakmem)]
            out.append("| " + " | ".join(line) + " |")
        out.append("")

    scaling = []
    for workload in sorted(tables):
        rows = tables[workload]
        by_params = {}
        for (params, threads), cells in rows.items():
            by_params.setdefault(params, {})[threads] = cells
        for params, by_threads in sorted(by_params.items(), key=lambda p: tuple(sort_key(v) for _, v in p[0])):
            if 1 not in by_threads or len(by_threads) < 2:
                continue
            for threads in sorted(t for t in by_threads if t > 1):
                scaling.append((workload, params, threads, by_threads[1], by_threads[threads]))
    if scaling:
        out.append("## Scaling (throughput = threads / ns per op, in ops/µs over all threads)")
        out.append("")
        out.append("| workload | params | threads | hakmem 1t ops/µs | hakmem Nt ops/µs | hakmem Nt/1t | "
                   + " | ".join(f"{c} Nt/1t" for c in OTHERS) + " |")
        out.append("|---|---|---:|---:|---:|---:|" + "---:|" * len(OTHERS))
        for workload, params, threads, one, many in scaling:
            def throughput(cells, column, t):
                s = score(cells.get(column))
                return t * 1000.0 / s if s else None

            def factor(column):
                a, b = throughput(one, column, 1), throughput(many, column, threads)
                return f"{b / a:.2f}" if a and b else "–"

            label = ", ".join(f"{k}={v}" for k, v in params) or "–"
            line = [workload, label, str(threads), fmt(throughput(one, "hakmem", 1), 2),
                    fmt(throughput(many, "hakmem", threads), 2), factor("hakmem")]
            line += [factor(c) for c in OTHERS]
            out.append("| " + " | ".join(line) + " |")
        out.append("")

    gc_rows = []
    for workload in sorted(tables):
        for key in sorted(tables[workload], key=row_order):
            for column in COLUMNS:
                record = tables[workload][key].get(column)
                metric = (record or {}).get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
                if metric:
                    gc_rows.append((workload, row_label(key), column, metric["score"], metric.get("scoreError")))
    if gc_rows:
        out.append("## Heap allocation per operation (-prof gc)")
        out.append("")
        out.append("Heap bytes allocated per operation, from JMH's gc profiler.")
        out.append("")
        out.append("| workload | params | allocator | gc.alloc.rate.norm B/op | ± | allocation-free (< 1 B/op) |")
        out.append("|---|---|---|---:|---:|---|")
        for workload, label, column, value, error in gc_rows:
            err = fmt(error, 3) if isinstance(error, (int, float)) else "–"
            verdict = "yes" if value < 1.0 else "**no**"
            out.append(f"| {workload} | {label} | {column} | {value:.3f} | {err} | {verdict} |")
        out.append("")

    text = "\n".join(out)
    (directory / "summary.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
