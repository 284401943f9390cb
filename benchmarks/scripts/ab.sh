#!/usr/bin/env bash
# Compares two builds of the benchmarks jar on a noisy machine: runs one JMH fork of each, A B then
# B A and so on, ROUNDS times, and prints each benchmark's median and every fork's score. Back-to-back runs of A and
# then B here differ by up to ~20% for no reason; alternating forks spreads the drift over both.
#
#   benchmarks/scripts/ab.sh A.jar B.jar ROUNDS 'TinyHotPath|RandomMixed' -p allocator=hakmem -wi 3 -i 3 -w 1s -r 1s
#
# Make the jars with `./mvnw -q -DskipTests install -pl benchmarks -am` at each commit and copy
# benchmarks/target/benchmarks.jar away. Runs from the repository root, so the agent benchmarks'
# relative -javaagent path resolves. To compare two agents, set AGENT_A and AGENT_B to copies of
# agent/target/hakmem-agent.jar: each fork then runs with its side's agent in that place (the jar
# that was there is put back at the end), and A.jar and B.jar may be the same benchmarks jar. To compare
# two settings of one jar, set JVM_ARGS_A and/or JVM_ARGS_B (e.g. JVM_ARGS_B=-Dhakmem.learn=true): each
# fork of that side then gets them through JMH's -jvmArgsAppend.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../bin/lib/jdk.sh
. "$ROOT/bin/lib/jdk.sh"
[ $# -ge 4 ] || { echo "usage: $0 A.jar B.jar ROUNDS JMH-ARGS..." >&2; exit 2; }
A="$(realpath "$1")" B="$(realpath "$2")" ROUNDS="$3"
shift 3
OUT="$(mktemp -d)"
cd "$ROOT"
AGENT_JAR="$ROOT/agent/target/hakmem-agent.jar"
if [ -n "${AGENT_A:-}" ] || [ -n "${AGENT_B:-}" ]; then
  [ -f "${AGENT_A:-}" ] && [ -f "${AGENT_B:-}" ] || { echo "AGENT_A and AGENT_B must both name agent jars" >&2; exit 2; }
  AGENT_A="$(realpath "$AGENT_A")" AGENT_B="$(realpath "$AGENT_B")"
  cp "$AGENT_JAR" "$OUT/original-agent.jar"
  trap 'cp "$OUT/original-agent.jar" "$AGENT_JAR"' EXIT
fi
for round in $(seq 1 "$ROUNDS"); do
  order="A B"
  [ $((round % 2)) = 0 ] && order="B A" # ABBA: neither side is always the first fork of a round
  for side in $order; do
    jar="$A"; [ "$side" = B ] && jar="$B"
    if [ -n "${AGENT_A:-}" ]; then
      if [ "$side" = A ]; then cp "$AGENT_A" "$AGENT_JAR"; else cp "$AGENT_B" "$AGENT_JAR"; fi
    fi
    side_args=()
    if [ "$side" = A ] && [ -n "${JVM_ARGS_A:-}" ]; then side_args=(-jvmArgsAppend "$JVM_ARGS_A"); fi
    if [ "$side" = B ] && [ -n "${JVM_ARGS_B:-}" ]; then side_args=(-jvmArgsAppend "$JVM_ARGS_B"); fi
    "$JAVA_HOME/bin/java" -jar "$jar" "$@" "${side_args[@]}" -f 1 -rf json -rff "$OUT/$side-$round.json" >"$OUT/$side-$round.log" 2>&1 \
      || { echo "fork $side #$round failed: $OUT/$side-$round.log" >&2; exit 1; }
  done
done
python3 - "$OUT" "$ROUNDS" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
scores = {}
for side in "AB":
    for r in range(1, rounds + 1):
        for b in json.load(open(f"{out}/{side}-{r}.json")):
            params = ",".join(f"{k}={v}" for k, v in sorted(b.get("params", {}).items()))
            key = b["benchmark"].rsplit(".", 2)[-2] + "." + b["benchmark"].rsplit(".", 1)[-1] + " " + params
            scores.setdefault(key, {}).setdefault(side, []).append(b["primaryMetric"]["score"])
for key, by in sorted(scores.items()):
    a, b = by.get("A", []), by.get("B", [])
    print(f"{key}\n  A median {statistics.median(a):9.2f}  {[round(x, 1) for x in a]}"
          f"\n  B median {statistics.median(b):9.2f}  {[round(x, 1) for x in b]}  B/A {statistics.median(b) / statistics.median(a):.2f}")
PY
