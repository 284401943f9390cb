#!/usr/bin/env python3
"""Summarises `bin/bench agent`: reads the JMH JSON files of one results directory, writes agent.md
there and prints it.

Tables: allocateDirect + invokeCleaner (agent vs JDK vs Netty's allocators and the cleaner floor, ns/op
and ratios),
allocateDirect released by the GC (ns/op and forced System.gc() per iteration), and Unsafe
allocate+free (agent vs the JDK's malloc, and under each preloaded native malloc if run)."""
import json
import os
import platform
import sys
from collections import defaultdict


def load(directory):
    rows = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".json"):
            continue
        label = name[:-5].split("-", 1)[1] if "-" in name else None
        with open(os.path.join(directory, name)) as f:
            try:
                results = json.load(f)
            except json.JSONDecodeError:
                continue
        for r in results:
            workload, method = r["benchmark"].rsplit(".", 2)[-2:]
            if label and method == "jdk":
                method = "jdk+" + label
            forced = r.get("secondaryMetrics", {}).get("forcedGcs", {})
            # an EVENTS counter's score is the sum over every measured iteration of every fork
            iterations = sum(len(fork) for fork in forced.get("rawData", [])) or 1
            rows.append({
                "workload": workload,
                "method": method,
                "size": int(r["params"]["size"]),
                "score": r["primaryMetric"]["score"],
                "error": r["primaryMetric"].get("scoreError", float("nan")),
                "forced": None if forced.get("score") is None else forced["score"] / iterations,
            })
    return rows


def fmt(x):
    return "–" if x is None else (f"{x:,.0f}" if x >= 100 else f"{x:.1f}")


def ratio(a, b):
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def table(rows, workload, methods, ratios):
    cells = defaultdict(dict)
    for r in rows:
        if r["workload"] == workload:
            cells[r["size"]][r["method"]] = r
    present = [m for m in methods if any(m in c for c in cells.values())]
    lines = ["| size | " + " | ".join(present) + " | " + " | ".join(name for name, _, _ in ratios) + " |",
             "|---:|" + "---:|" * (len(present) + len(ratios))]
    for size in sorted(cells):
        c = cells[size]
        score = lambda m: c[m]["score"] if m in c else None
        line = f"| {size} | " + " | ".join(fmt(score(m)) for m in present)
        line += " | " + " | ".join(ratio(score(a), score(b)) for _, a, b in ratios) + " |"
        lines.append(line)
    return lines


def main():
    directory = sys.argv[1]
    rows = load(directory)
    out = [f"# hakmem agent benchmarks ({os.path.basename(os.path.normpath(directory))})", "",
           f"{platform.machine()}, {os.cpu_count()} CPUs; ns per operation (JMH avgt), lower is better. "
           "`agent` is the same code as `jdk`, forked with `-javaagent:agent/target/hakmem-agent.jar`.", ""]
    out += ["## allocateDirect + Unsafe.invokeCleaner", ""]
    out += ["`cleanerFloor`: the JDK's `DirectByteBuffer` over one reused block with a `jdk.internal.ref.Cleaner` "
            "that releases nothing, freed by `invokeCleaner`; no allocator, limit or zeroing. Any genuine buffer "
            "that `invokeCleaner` frees costs at least this, so `JDK / floor` bounds `JDK / agent`.", ""]
    out += table(rows, "DirectBufferExplicitFree", ["agent", "jdk", "nettyPooled", "nettyAdaptive", "cleanerFloor"],
                 [("JDK / agent", "jdk", "agent"), ("Netty adaptive / agent", "nettyAdaptive", "agent"),
                  ("Netty pooled / agent", "nettyPooled", "agent"), ("JDK / floor", "jdk", "cleanerFloor")])
    out += ["", "## allocateDirect released by the GC (-XX:MaxDirectMemorySize=256m)", ""]
    out += table(rows, "DirectBufferGcRelease", ["agent", "jdk"], [("JDK / agent", "jdk", "agent")])
    forced = defaultdict(dict)
    for r in rows:
        if r["workload"] == "DirectBufferGcRelease" and r["forced"] is not None:
            # per 1 s iteration -> per million buffers: the faster candidate allocates more per second
            forced[r["size"]][r["method"]] = (r["forced"], r["forced"] * r["score"] / 1000.0)
    if forced:
        out += ["", "Forced `System.gc()`: per 1 s iteration, and per million buffers allocated (what to compare):", "",
                "| size | agent per s | jdk per s | agent per M buffers | jdk per M buffers |", "|---:|---:|---:|---:|---:|"]
        for size in sorted(forced):
            a = forced[size].get("agent", (None, None))
            j = forced[size].get("jdk", (None, None))
            out.append(f"| {size} | {fmt(a[0])} | {fmt(j[0])} | {fmt(a[1])} | {fmt(j[1])} |")
    out += ["", "## Unsafe.allocateMemory + freeMemory", ""]
    natives = sorted({r["method"] for r in rows if r["workload"] == "UnsafeThroughAgent" and r["method"].startswith("jdk+")})
    out += table(rows, "UnsafeThroughAgent", ["agent", "jdk"] + natives,
                 [("JDK (glibc) / agent", "jdk", "agent")] + [(f"{n[4:]} / agent", n, "agent") for n in natives])
    text = "\n".join(out) + "\n"
    with open(os.path.join(directory, "agent.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
