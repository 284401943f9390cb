#!/usr/bin/env python3
"""Summarises a results directory of benchmarks/scripts/e2e.sh: a Markdown table of medians over the rounds
and a PNG chart (gnuplot): throughput relative to no agent, and RSS over time in the first round.

usage: e2e_summary.py RESULTS_DIR REPORT.md COMMAND
"""
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict

MODES = ["none", "observe", "replace"]
MODE_LABEL = {"none": "no agent", "observe": "agent, observe", "replace": "agent, replace"}
CONFIG_LABEL = {
    "nio": "NIO server (64 B body)",
    "nio-heavy": "NIO server, --heavy (64 KiB buffers per request)",
    "netty": "Netty 4.2 server (64 B body)",
    "cache": "off-heap cache workload (2 threads)",
}


def duration_us(text):
    m = re.match(r"([\d.]+)(us|ms|s)$", text)
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 1, "ms": 1000, "s": 1_000_000}[unit]


def parse_wrk(path):
    text = open(path).read()
    out = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))}
    for pct in ("50", "90", "99"):
        m = re.search(r"^\s+%s%%\s+(\S+)" % pct, text, re.M)
        out["p" + pct] = duration_us(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(g) for g in m.groups())
    out["errors"] = errors
    return out


def parse_cache(path):
    text = open(path).read()
    m = re.search(r"operations in [\d.]+ s \(([\d,]+) ops/s\)", text)
    return {"rps": float(m.group(1).replace(",", "")), "p50": None, "p90": None, "p99": None,
            "errors": 0 if ", 0 errors" in text else 1}


def parse_rss(path):
    samples = []
    if os.path.exists(path):
        for line in open(path):
            parts = line.split()
            if len(parts) == 2:
                samples.append((float(parts[0]), int(parts[1]) / 1024.0))
    if not samples:
        return [], None, None
    t0 = samples[0][0]
    series = [(t - t0, mib) for t, mib in samples]
    return series, max(m for _, m in series), series[-1][1]


def main():
    results, report, command = sys.argv[1], sys.argv[2], sys.argv[3]
    meta = dict(line.rstrip("\n").split("=", 1) for line in open(os.path.join(results, "meta.txt")) if "=" in line)
    runs = defaultdict(list)  # (config, mode) -> [dict]
    series = {}  # (config, mode) -> first round's RSS series
    for name in sorted(os.listdir(results)):
        base, ext = os.path.splitext(name)
        if ext not in (".wrk", ".log"):
            continue
        config, mode, rnd = base.rsplit("-", 2)
        if ext == ".wrk":
            run = parse_wrk(os.path.join(results, name))
        elif config == "cache":
            run = parse_cache(os.path.join(results, name))
        else:
            continue
        rss, peak, end = parse_rss(os.path.join(results, base + ".rss"))
        run.update(peak=peak, end=end, round=int(rnd))
        runs[(config, mode)].append(run)
        if int(rnd) == 1:
            series[(config, mode)] = rss
    configs = [c for c in CONFIG_LABEL if any((c, m) in runs for m in MODES)]

    def med(config, mode, key):
        values = [r[key] for r in runs.get((config, mode), []) if r.get(key) is not None]
        return statistics.median(values) if values else None

    def fmt_us(us):
        if us is None:
            return "–"
        return "%.2f ms" % (us / 1000) if us >= 1000 else "%.0f µs" % us

    lines = []
    lines.append("# End-to-end: the sample applications with and without the agent")
    lines.append("")
    lines.append("Date %s, %s; %s; %s; commit %s." % (meta.get("date", "?"), meta.get("cpu", "?"), meta.get("java", "?"),
                                                   meta.get("wrk", "?"), meta.get("commit", "?")))
    lines.append("Command: `%s`: %s. Raw results: `%s`." % (command, meta.get("settings", "?"), os.path.relpath(results)))
    lines.append("Servers: `wrk -t1 -c<connections> -d<seconds>s --latency` on 127.0.0.1 after a discarded warm-up run, the "
                 "server and wrk sharing the machine's cores. Cache: its built-in workload (`--threads 2`, 70% gets, 25% puts, "
                 "5% removes); without the agent its blocks come from glibc's malloc through `Unsafe.allocateMemory`. RSS: "
                 "`VmRSS` every 250 ms of the whole JVM (its heap pre-touched, so the differences are native memory); *end* is the last sample (for the servers, after shutdown; for the cache, 2 s after it freed every entry). Medians "
                 "over the rounds, [min–max] of requests or operations per second; modes alternate within each round.")
    lines.append("")
    lines.append("| application | mode | per second, median [min–max] | vs no agent | p50 | p99 | p99 vs no agent | peak RSS | RSS at end | errors |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for config in configs:
        base_rps = med(config, "none", "rps")
        base_p99 = med(config, "none", "p99")
        for mode in MODES:
            rs = runs.get((config, mode))
            if not rs:
                continue
            rps = [r["rps"] for r in rs]
            m_rps = statistics.median(rps)
            p99 = med(config, mode, "p99")
            unit = "ops/s" if config == "cache" else "req/s"
            lines.append("| %s | %s | %s %s [%s–%s] | %s | %s | %s | %s | %s MiB | %s MiB | %d |" % (
                CONFIG_LABEL[config], MODE_LABEL[mode], "{:,.0f}".format(m_rps), unit, "{:,.0f}".format(min(rps)),
                "{:,.0f}".format(max(rps)),
                "%.2f×" % (m_rps / base_rps) if base_rps else "–",
                fmt_us(med(config, mode, "p50")), fmt_us(p99),
                "%.2f×" % (p99 / base_p99) if p99 and base_p99 else "–",
                "%.0f" % med(config, mode, "peak") if med(config, mode, "peak") else "–",
                "%.0f" % med(config, mode, "end") if med(config, mode, "end") else "–",
                sum(r["errors"] for r in rs)))
    png = os.path.splitext(report)[0] + ".png"
    if chart(results, png, configs, runs, series, med):
        lines.append("")
        lines.append("![requests per second relative to no agent, and RSS over time](%s)" % os.path.basename(png))
    else:
        lines.append("")
        lines.append("(No chart: gnuplot is not installed; `apt-get install -y gnuplot-nox`.)")
    os.makedirs(os.path.dirname(report), exist_ok=True)
    with open(report, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def chart(results, png, configs, runs, series, med):
    if subprocess.run(["sh", "-c", "command -v gnuplot"], capture_output=True).returncode != 0:
        return False
    data = os.path.join(results, "chart")
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(data, "relative.dat"), "w") as f:
        for config in configs:
            base = med(config, "none", "rps")
            f.write('"%s" %s %s\n' % (config, *["%.3f" % (med(config, m, "rps") / base) if base and med(config, m, "rps") else "0"
                                                for m in ("observe", "replace")]))
    for (config, mode), rss in series.items():
        with open(os.path.join(data, "rss-%s-%s.dat" % (config, mode)), "w") as f:
            for t, mib in rss:
                f.write("%.2f %.1f\n" % (t, mib))
    panels = 1 + len(configs)
    cols = 3 if panels > 4 else 2
    rows = (panels + cols - 1) // cols
    gp = ['set terminal pngcairo size %d,%d font "sans,10"' % (480 * cols, 340 * rows),
          'set output "%s"' % png,
          'set multiplot layout %d,%d title "hakmem end-to-end: sample applications without the agent, observe, replace"' % (rows, cols),
          'set style data histograms', 'set style histogram clustered gap 1', 'set style fill solid 0.8 border -1',
          'set title "per second, relative to no agent (median)"', 'set yrange [0:*]', 'set grid ytics',
          'set key top left', 'set xtics rotate by -20',
          'plot "%s/relative.dat" using 2:xtic(1) title "observe" lc rgb "#e69f00", "" using 3 title "replace" lc rgb "#009e73", 1 with lines dt 2 lc rgb "black" notitle'
          % data,
          'unset style', 'set style data lines', 'set xtics norotate', 'set xlabel "seconds"', 'set ylabel "RSS, MiB"',
          'set yrange [0:*]', 'set key bottom right']
    colours = {"none": "#0072b2", "observe": "#e69f00", "replace": "#009e73"}
    for config in configs:
        plots = []
        for mode in MODES:
            path = os.path.join(data, "rss-%s-%s.dat" % (config, mode))
            if os.path.exists(path):
                plots.append('"%s" using 1:2 with lines lw 2 lc rgb "%s" title "%s"' % (path, colours[mode], MODE_LABEL[mode]))
        gp.append('set title "RSS over time (round 1): %s"' % config)
        gp.append("plot " + ", ".join(plots) if plots else "")
    gp.append("unset multiplot")
    script = os.path.join(data, "chart.gp")
    with open(script, "w") as f:
        f.write("\n".join(gp) + "\n")
    result = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    if result.returncode != 0:
        print("gnuplot failed:\n" + result.stderr, file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    main()
