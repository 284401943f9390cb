#!/usr/bin/env python3
"""Turn one `bin/bench lifetimes` run into lifetimes.md and one PNG per scenario (and print the table).

Usage: lifetimes_plot.py [--no-plot] RESULTS_DIR

Reads RESULTS_DIR/<scenario>-<label>.log (a `RESULT key=value ...` line of MixedLifetimesDriver) and
<scenario>-<label>.csv (t_ms, rss_kib, live_kib, excess_kib, round: RSS above the baseline and the live
bytes, sampled over the run). The table gives, per candidate, the end RSS and excess, the trough's mean
excess, the peak RSS, the throughput, and the ratios against hakmem with learning off of the same run.
The PNG (matplotlib; --no-plot skips it) draws RSS (solid) and live bytes (dotted) over time for every
candidate, with excess below.
"""
import pathlib
import sys

ORDER = ["hakmem", "hakmem-learn", "glibc", "jemalloc", "mimalloc", "tcmalloc"]
NATIVE = ["glibc", "jemalloc", "mimalloc", "tcmalloc"]
TITLES = {
    "steady": "Mixed lifetimes: sites keep their lifetimes",
    "shift": "Mixed lifetimes: 20% of sites change their lifetime mid-run",
}


def load(directory):
    """{scenario: {label: RESULT fields}}"""
    runs = {}
    for path in sorted(directory.glob("*.log")):
        scenario, _, label = path.stem.partition("-")
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("RESULT "):
                fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
                runs.setdefault(scenario, {})[label] = fields
    return runs


def series(directory, scenario, label):
    path = directory / f"{scenario}-{label}.csv"
    if not path.exists():
        return None
    rows = [line.split(",") for line in path.read_text().splitlines()[1:] if line]
    return {
        "t": [int(r[0]) / 1000 for r in rows],
        "rss": [int(r[1]) / 1024 for r in rows],
        "live": [int(r[2]) / 1024 for r in rows],
        "excess": [int(r[3]) / 1024 for r in rows],
    }


def mib(fields, key):
    return int(fields[key]) / 1024


def table(scenario, labels):
    out = [f"## {TITLES.get(scenario, scenario)}", "",
           "RSS and excess in MiB above the baseline (excess = RSS − live bytes); ratios against hakmem "
           "(learning off) of this run.", "",
           "| candidate | end RSS | end live | end excess | excess vs off | trough mean excess | vs off | peak RSS "
           "| Mops/s | vs off |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    off = labels.get("hakmem")
    for label in sorted(labels, key=lambda l: ORDER.index(l) if l in ORDER else len(ORDER)):
        f = labels[label]

        def ratio(key):
            if off is None or float(off[key]) == 0:
                return "–"
            return f"{float(f[key]) / float(off[key]):.2f}"

        out.append(f"| {label} | {mib(f, 'endRssKiB'):.1f} | {mib(f, 'endLiveKiB'):.1f} | {mib(f, 'endExcessKiB'):.1f} "
                   f"| {ratio('endExcessKiB')} | {mib(f, 'troughMeanExcessKiB'):.1f} | {ratio('troughMeanExcessKiB')} "
                   f"| {mib(f, 'peakRssKiB'):.1f} | {float(f['opsPerSec']) / 1e6:.2f} | {ratio('opsPerSec')} |")
    natives = [labels[n] for n in NATIVE if n in labels]
    learn = labels.get("hakmem-learn")
    if natives and learn:
        best = min(natives, key=lambda f: int(f["endRssKiB"]))
        out += ["", f"Lowest native end RSS: {best['label']} {mib(best, 'endRssKiB'):.1f} MiB; hakmem learning on: "
                    f"{mib(learn, 'endRssKiB'):.1f} MiB."]
    return "\n".join(out)


def plot(directory, scenario, labels):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 8), sharex=True)
    for index, label in enumerate(l for l in ORDER if l in labels):
        s = series(directory, scenario, label)
        if s is None:
            continue
        color = f"C{index}"
        top.plot(s["t"], s["rss"], color=color, label=f"{label} RSS")
        top.plot(s["t"], s["live"], color=color, linestyle=":", linewidth=1)
        bottom.plot(s["t"], s["excess"], color=color, label=label)
    top.set_ylabel("MiB above baseline (solid RSS, dotted live)")
    top.set_title(TITLES.get(scenario, scenario))
    top.legend(fontsize=8)
    bottom.set_ylabel("excess = RSS − live (MiB)")
    bottom.set_xlabel("seconds")
    bottom.legend(fontsize=8)
    fig.tight_layout()
    path = directory / f"lifetimes-{scenario}.png"
    fig.savefig(path, dpi=90)
    return path


def main(argv):
    draw = "--no-plot" not in argv
    args = [a for a in argv if a != "--no-plot"]
    if len(args) != 1:
        sys.exit(__doc__)
    directory = pathlib.Path(args[0])
    runs = load(directory)
    if not runs:
        sys.exit(f"no RESULT lines in {directory}/*.log")
    parts = ["# Mixed lifetimes (bin/bench lifetimes)", ""]
    for scenario in sorted(runs, key=lambda s: list(TITLES).index(s) if s in TITLES else len(TITLES)):
        parts += [table(scenario, runs[scenario]), ""]
        if draw:
            parts += [f"![{scenario}]({plot(directory, scenario, runs[scenario]).name})", ""]
    text = "\n".join(parts)
    (directory / "lifetimes.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
