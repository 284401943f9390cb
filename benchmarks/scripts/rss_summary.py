#!/usr/bin/env python3
"""Turn the RESULT lines of one `bin/bench rss` run into rss.md (and print it).

Usage: rss_summary.py RESULTS_DIR

Reads every *.log in RESULTS_DIR (one RssDriver JVM each) for lines
`RESULT scenario=... label=... baselineKiB=... peakKiB=... afterKiB=... ...` and writes one table per scenario.
When a cell ran more than once (bin/bench repeats Larson), the row is the median run by peak − baseline, and
the range of peak − baseline over the runs is shown beside it.
"""
import pathlib
import sys

COLUMNS = ["hakmem", "hakmem-no-native", "glibc", "jemalloc", "mimalloc", "tcmalloc", "arena", "netty-pooled",
           "netty-adaptive"]
NATIVE = ["glibc", "jemalloc", "mimalloc", "tcmalloc"]
SCENARIOS = {
    "larson": "Larson: 2 workers + pooled successor, 1000 live blocks of 8–1000 B each",
    "burst": "Burst: 256 MiB of 16 B–32 KiB blocks (log-uniform), every page written, all freed",
    "burst-huge": "Burst with huge blocks: 224 MiB of 16 B–32 KiB blocks plus 8 × 4 MiB, every page written, all freed",
}


def load(directory):
    """{scenario: {label: the median run's fields, plus "growths": every run's peak − baseline}}"""
    all_runs = {}
    for path in sorted(directory.glob("*.log")):
        for line in path.read_text(errors="replace").splitlines():
            if not line.startswith("RESULT "):
                continue
            fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
            all_runs.setdefault(fields.get("scenario", "?"), {}).setdefault(fields.get("label", "?"), []).append(fields)
    runs = {}
    for scenario, labels in all_runs.items():
        for label, fields_list in labels.items():
            ranked = sorted(fields_list, key=lambda f: growth(f) if growth(f) is not None else 0)
            median = dict(ranked[(len(ranked) - 1) // 2])
            median["growths"] = [growth(f) for f in ranked if growth(f) is not None]
            runs.setdefault(scenario, {})[label] = median
    return runs


def spread(fields):
    growths = fields.get("growths", [])
    if len(growths) < 2:
        return ""
    return f" ({growths[0] / 1024:.1f}–{growths[-1] / 1024:.1f})"


def kib(fields, key):
    value = fields.get(key)
    return int(value) if value not in (None, "") else None


def mib(value):
    return "–" if value is None else f"{value / 1024:.1f}"


def order(labels):
    known = [c for c in COLUMNS if c in labels]
    return known + sorted(set(labels) - set(known))


def best_native(rows, metric):
    present = [(metric(rows[n]), n) for n in NATIVE if n in rows and metric(rows[n]) is not None]
    return min(present) if present else None


def ratio_line(what, label, hakmem_value, best):
    if hakmem_value is None or best is None or best[0] <= 0:
        return f"- {what}: –"
    return (f"- {what}: {label} {hakmem_value / 1024:.1f} MiB / best native {best[0] / 1024:.1f} MiB ({best[1]}) "
            f"= **{hakmem_value / best[0]:.2f}×** ({(hakmem_value - best[0]) / 1024:+.1f} MiB)")


def growth(fields):
    b, p = kib(fields, "baselineKiB"), kib(fields, "peakKiB")
    return p - b if b is not None and p is not None else None


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    directory = pathlib.Path(argv[1])
    runs = load(directory)
    if not runs:
        print(f"no RESULT lines in {directory}/*.log", file=sys.stderr)
        return 1

    out = [f"# hakmem RSS comparison — {directory.name}", ""]
    out.append("One JVM per cell (`-Xms256m -Xmx256m -XX:+AlwaysPreTouch`, so ~256 MiB of every figure is the "
               "pre-touched Java heap, the same for all). VmRSS from /proc/self/status: *baseline* after JVM start, "
               "one tiny allocate/free and 1 s to settle, *peak* the highest sample (every 10 ms) during the workload, *after* "
               "200 ms after everything was freed (hakmem: plus `releaseThreadCache()` and `trim()`; the others "
               "have no such call). MiB = 1024 KiB. glibc/jemalloc/mimalloc/tcmalloc are "
               "`Unsafe.allocateMemory/freeMemory` over that malloc (LD_PRELOAD); hakmem-no-native is hakmem without native access, "
               "so on a route without restricted methods (hakmem's own choice, or `-Dhakmem.os=$BENCH_RSS_FILE_ROUTE`; "
               "the route is in hakmem's table). Every JVM with native access (all but hakmem-no-native) "
               "first makes and calls FFM downcall handles for mmap/munmap, as hakmem's mmap route does at start, "
               "so the JVM's own set-up churn (several MiB kept by the JVM's malloc) is in every baseline alike "
               "(RssDriver `ffmWarmup=0` turns this off). Larson's growth is small (4,000 live blocks, ~2 MiB), "
               "so peak − baseline also moves with what each malloc kept from the JVM's start-up before the "
               "baseline (jemalloc reuses its retained dirty pages); the whole-process peak is the steadier figure.")
    out.append("")

    for scenario in [s for s in SCENARIOS if s in runs] + sorted(set(runs) - set(SCENARIOS)):
        rows = runs[scenario]
        out.append(f"## {scenario}")
        out.append("")
        out.append(SCENARIOS.get(scenario, scenario) + ".")
        out.append("")
        burst = scenario.startswith("burst")
        if burst:
            out.append("| allocator | baseline MiB | peak MiB | peak − baseline | freed MiB | after MiB | "
                       "after − baseline MiB | (after − baseline) / baseline | seconds |")
            out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        else:
            out.append("| allocator | runs | baseline MiB | peak MiB | peak − baseline (range) | after MiB "
                       "| after − baseline MiB | ops | seconds |")
            out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for label in order(rows):
            f = rows[label]
            b, p, a = kib(f, "baselineKiB"), kib(f, "peakKiB"), kib(f, "afterKiB")
            cells = [label] + ([] if burst else [str(len(f.get("growths", [])))])
            cells += [mib(b), mib(p), mib(growth(f)) + ("" if burst else spread(f))]
            if burst:
                cells.append(mib(kib(f, "afterFreeKiB")))
            cells += [mib(a), mib(a - b if a is not None and b is not None else None)]
            if burst:
                cells.append(f"{100.0 * (a - b) / b:+.1f} %" if a is not None and b else "–")
            else:
                cells.append(f.get("ops", "–"))
            cells.append(f.get("seconds", "–"))
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        if burst:
            out.append("*freed*: right after the last free, before hakmem's release/trim and the 200 ms wait. "
                       "Goal: after within 10 % of baseline.")
        else:
            out.append("Each row is the median of its runs by peak − baseline; the range is over all runs. "
                       "*after*: everything freed, 200 ms later (hakmem: after release/trim).")
            out.append("")
            for label in [l for l in ("hakmem", "hakmem-no-native") if l in rows]:
                out.append(ratio_line(f"{label}: (peak − baseline) vs best native's (goal ≤ 1.25×)", label,
                                      growth(rows[label]), best_native(rows, growth)))
                out.append(ratio_line(f"{label}: whole-process peak vs best native's", label,
                                      kib(rows[label], "peakKiB"), best_native(rows, lambda r: kib(r, "peakKiB"))))
        out.append("")
        hakmem_rows = [l for l in ("hakmem", "hakmem-no-native") if l in rows]
        if hakmem_rows:
            out.append("hakmem's own view (`Hakmem.stats()`): mapped KiB, chunks, spans, live KiB at each point "
                       "(*peak*: at the end of the workload, before the frees; *freed*: after the frees, before release/trim). "
                       "File-backed routes only: *chunk RSS*, the "
                       "resident KiB of hakmem's mappings (named by the backing file in /proc/self/smaps), i.e. "
                       "hakmem's own share of RSS; *file*, the KiB of tmpfs pages an open, privately mapped backing file "
                       "holds, outside the process's RSS (the old `file` route only).")
            out.append("")
            out.append("| label | route | when | mapped KiB | chunks | spans | live KiB | chunk RSS KiB | file KiB |")
            out.append("|---|---|---|---:|---:|---:|---:|---:|---:|")
            for label in hakmem_rows:
                f = rows[label]
                for when in ("baseline", "peak", "freed", "after"):
                    if f"mapped_{when}KiB" not in f:
                        continue
                    out.append(f"| {label} | {f.get('route', '–')} | {when} | {f.get(f'mapped_{when}KiB', '–')} | {f.get(f'chunks_{when}', '–')} "
                               f"| {f.get(f'spans_{when}', '–')} | {f.get(f'liveKiB_{when}', '–')} "
                               f"| {f.get(f'chunkRssKiB_{when}', '–')} | {f.get(f'fileKiB_{when}', '–')} |")
            out.append("")

    text = "\n".join(out)
    (directory / "rss.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
