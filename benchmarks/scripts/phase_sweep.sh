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
# PHASE_RUN (default "-wi 2 -i 3 -w 3s -r 3s"), PHASE_PER_PHASE=1: every setting once per phase held still
# (PhaseShift's mix=tiny|mid|large; the learner is left out), then, per phase, its best setting and what
# switching to it at once at every phase change would give against the best single setting (the phases take
# 1 s each, so a rotation's ns/op is the harmonic mean of the phases'): the most any capacity policy that
# follows the phases can buy, transitions free.
# A grid entry oracle-equal or oracle-weighted (optionally :BATCH, the batch as a percent of the capacity,
# default 50) runs PhaseShift's per-class oracle (policy=equal|weighted, PhaseOracle): each phase's classes
# get the whole budget, published at each phase change. It is compared with the fixed settings, never
# counted as one. fixed-B/C:batch:P (P a percent) is the fixed setting B/C with every batch at most P% of its
# capacity once cut to the budget (PhaseShift policy=configured-batch), a control for the oracle: counted as
# a fixed setting.
# PHASE_OUT=DIR keeps the results in DIR and adds to those already there (rounds numbered on, the summary
# over all of them): a long sweep can run one round per call, e.g. each under the shared build lock.
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
OUT="${PHASE_OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
# rounds already in OUT: this call's rounds are numbered after them (the order rotates on)
DONE="$(find "$OUT" -name '*.json' | sed 's/.*-\([0-9]*\)\.json$/\1/' | sort -n | tail -1)"
DONE="${DONE:-0}"
settings=()
for g in $GRID; do
  case "$g" in
    oracle-*) settings+=("$g") ;;
    *) settings+=("fixed-$g") ;;
  esac
done
PER_PHASE="${PHASE_PER_PHASE:-0}"
if [ "$PER_PHASE" = 1 ]; then
  runs=()
  for ph in tiny mid large; do
    for setting in "${settings[@]}"; do runs+=("$setting#$ph"); done
  done
else
  runs=("${settings[@]}" learner)
fi
for round in $(seq $((DONE + 1)) $((DONE + ROUNDS))); do
  n=${#runs[@]}
  for i in $(seq 0 $((n - 1))); do
    run="${runs[$(((i + round - 1) % n))]}"
    s="${run%#*}"
    phase_args=()
    [ "$run" = "$s" ] || phase_args=(-p "mix=${run#*#}")
    if [ "$s" = learner ]; then
      args="-Dhakmem.cache.maxBytes=$BUDGET -Dhakmem.learn=true"
    elif [[ "$s" == oracle-* ]]; then
      shape="${s#oracle-}"
      batch=50
      if [[ "$shape" == *:* ]]; then batch="${shape#*:}"; shape="${shape%:*}"; fi
      phase_args+=(-p "policy=$shape" -p "oracleBatchPercent=$batch")
      args="-Dhakmem.cache.maxBytes=$BUDGET"
    else
      g="${s#fixed-}"
      if [[ "$g" == *:batch:* ]]; then
        phase_args+=(-p policy=configured-batch -p "oracleBatchPercent=${g##*:}")
        g="${g%%:*}"
      fi
      budget="$BUDGET"
      if [[ "$g" == *@* ]]; then budget="${g#*@}"; g="${g%@*}"; fi
      args="-Dhakmem.cache.maxBytes=$budget -Dhakmem.cache.batchPercent=${g%/*} -Dhakmem.cache.capacityPercent=${g#*/}"
    fi
    file="$OUT/${run//\//_}"
    file="${file//:/+}-$round"
    "$JAVA_HOME/bin/java" -jar "$JAR" 'PhaseShift' -p allocator=hakmem -f 1 "${RUN[@]}" "${phase_args[@]}" "$@" \
      -jvmArgsAppend "$args" -rf json -rff "$file.json" > "$file.log" 2>&1 \
      || { echo "phase_sweep: $run failed, see $file.log" >&2; exit 1; }
    echo "phase_sweep: round $round $run done" >&2
  done
done
python3 - "$OUT" "$BUDGET" <<'PY'
import glob, json, os, statistics, sys
out, budget = sys.argv[1], sys.argv[2]
scores = {}
for f in sorted(glob.glob(os.path.join(out, '*.json'))):
    name = os.path.basename(f).rsplit('-', 1)[0].replace('_', '/').replace('+', ':')
    for r in json.load(open(f)):
        scores.setdefault(name, []).append(r['primaryMetric']['score'])
med = {k: statistics.median(v) for k, v in scores.items()}
forks = min(len(v) for v in scores.values())
if not any('#' in k for k in med):
    fixed = {k: v for k, v in med.items() if k.startswith('fixed-') and '@' not in k}
    best = min(fixed, key=fixed.get)
    print(f"PhaseShift, hakmem.cache.maxBytes={budget}, ns/op (median of {forks} forks); best fixed: {best}")
    print("| setting (batch%/capacity%) | ns/op | forks | best fixed / this |")
    print("|---|---:|---|---:|")
    for k in sorted(med, key=med.get):
        print(f"| {k} | {med[k]:.2f} | {', '.join(f'{x:.2f}' for x in scores[k])} | {fixed[best] / med[k]:.3f} |")
else:
    phases = ['tiny', 'mid', 'large']
    settings = sorted({k.split('#')[0] for k in med})
    def rotation(times):  # 1 s per phase: ns/op over a rotation is the harmonic mean of the phases'
        return len(times) / sum(1 / t for t in times)
    whole = {s: rotation([med[f'{s}#{p}'] for p in phases]) for s in settings}
    budgeted = [s for s in settings if '@' not in s and s.startswith('fixed-')]
    best = min(budgeted, key=whole.get)
    print(f"PhaseShift one phase at a time, hakmem.cache.maxBytes={budget} unless @, ns/op (median of {forks} forks)")
    print("| setting (batch%/capacity%) | " + " | ".join(phases) + " | rotation |")
    print("|---|" + "---:|" * (len(phases) + 1))
    for s in sorted(settings, key=whole.get):
        print(f"| {s} | " + " | ".join(f"{med[f'{s}#{p}']:.2f}" for p in phases) + f" | {whole[s]:.2f} |")
    oracle = {p: min(budgeted, key=lambda s: med[f'{s}#{p}']) for p in phases}
    switched = rotation([med[f'{oracle[p]}#{p}'] for p in phases])
    print(f"best single setting under the budget: {best}, rotation {whole[best]:.2f} ns/op")
    print("best per phase under the budget: " + ", ".join(f"{p} {oracle[p]}" for p in phases)
          + f"; switching at once: {switched:.2f} ns/op, {whole[best] / switched:.3f}x the best single setting")
    for s in settings:
        if s.startswith('oracle-'):
            print(f"{s} (per-class oracle) over every phase: {whole[best] / whole[s]:.3f}x the best single setting")
        if '@' in s:
            print(f"{s} (its own budget) over every phase: {whole[best] / whole[s]:.3f}x the best single setting")
print(f"(results in {out})")
PY
