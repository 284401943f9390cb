#!/usr/bin/env bash
# PhaseShift (a size mix shifting every second) under a grid of fixed thread-cache settings and under
# the learner, all with the same per-thread cache budget, one JMH fork each, ROUNDS times in turn (the
# order rotates, so drift spreads over every setting); prints each setting's median and its ratio to
# the best fixed setting.
#
#   benchmarks/scripts/phase_sweep.sh [ROUNDS] [extra JMH args...]
#
# Environment: PHASE_JAR (default benchmarks/target/benchmarks.jar), PHASE_BUDGET (hakmem.cache.maxBytes
# for every setting, default 16m), PHASE_GRID (default "50/150 50/200 50/400 100/150 100/200 100/400
# 200/150 200/200 200/400": batchPercent/capacityPercent, optionally @size for a budget of its own, e.g.
# 1000/100@1t: every class's cache at its largest, unbounded: the most any capacity policy can give),
# PHASE_RUN (default "-wi 2 -i 3 -w 3s -r 3s").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../bin/lib/jdk.sh
. "$ROOT/bin/lib/jdk.sh"
ROUNDS="${1:-1}"
shift || true
JAR="$(realpath "${PHASE_JAR:-$ROOT/benchmarks/target/benchmarks.jar}")"
BUDGET="${PHASE_BUDGET:-16m}"
GRID="${PHASE_GRID:-50/150 50/200 50/400 100/150 100/200 100/400 200/150 200/200 200/400}"
read -r -a RUN <<< "${PHASE_RUN:--wi 2 -i 3 -w 3s -r 3s}"
OUT="$(mktemp -d)"
settings=()
for g in $GRID; do settings+=("fixed-$g"); done
settings+=("learner")
for round in $(seq 1 "$ROUNDS"); do
  n=${#settings[@]}
  for i in $(seq 0 $((n - 1))); do
    s="${settings[$(((i + round - 1) % n))]}"
    if [ "$s" = learner ]; then
      args="-Dhakmem.cache.maxBytes=$BUDGET -Dhakmem.learn=true"
    else
      g="${s#fixed-}"
      budget="$BUDGET"
      if [[ "$g" == *@* ]]; then budget="${g#*@}"; g="${g%@*}"; fi
      args="-Dhakmem.cache.maxBytes=$budget -Dhakmem.cache.batchPercent=${g%/*} -Dhakmem.cache.capacityPercent=${g#*/}"
    fi
    "$JAVA_HOME/bin/java" -jar "$JAR" 'PhaseShift' -p allocator=hakmem -f 1 "${RUN[@]}" "$@" -jvmArgsAppend "$args" \
      -rf json -rff "$OUT/${s//\//_}-$round.json" > "$OUT/${s//\//_}-$round.log" 2>&1 \
      || { echo "phase_sweep: $s failed, see $OUT/${s//\//_}-$round.log" >&2; exit 1; }
    echo "phase_sweep: round $round $s done" >&2
  done
done
python3 - "$OUT" "$BUDGET" <<'PY'
import glob, json, os, statistics, sys
out, budget = sys.argv[1], sys.argv[2]
scores = {}
for f in sorted(glob.glob(os.path.join(out, '*.json'))):
    name = os.path.basename(f).rsplit('-', 1)[0].replace('_', '/')
    for r in json.load(open(f)):
        scores.setdefault(name, []).append(r['primaryMetric']['score'])
med = {k: statistics.median(v) for k, v in scores.items()}
fixed = {k: v for k, v in med.items() if k.startswith('fixed-') and '@' not in k}
best = min(fixed, key=fixed.get)
print(f"PhaseShift, hakmem.cache.maxBytes={budget}, ns/op (median of {len(next(iter(scores.values())))} forks); "
      f"best fixed: {best}")
print("| setting (batch%/capacity%) | ns/op | forks | best fixed / this |")
print("|---|---:|---|---:|")
for k in sorted(med, key=med.get):
    print(f"| {k} | {med[k]:.2f} | {', '.join(f'{x:.2f}' for x in scores[k])} | {fixed[best] / med[k]:.3f} |")
print(f"(results in {out})")
PY
