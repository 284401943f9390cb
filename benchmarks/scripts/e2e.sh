#!/usr/bin/env bash
# End-to-end benchmark: the sample applications (sample-apps/) without the agent, with the agent in observe
# mode and in replace mode, in alternating rounds (each round rotates the order of the three), on 127.0.0.1.
#
#   servers (nio, nio-heavy, netty): wrk for requests per second and latency percentiles (a warm-up run is
#            discarded), then GET /shutdown;
#   cache:   the off-heap cache's built-in workload (ops/s; without the agent its blocks come from glibc's
#            malloc through Unsafe.allocateMemory), then it clears itself and lingers 2 s;
#   all:     RSS (VmRSS of /proc/<pid>/status) sampled every 250 ms over the whole run.
#
# Writes benchmarks/reports/<date>-e2e.md (a Markdown table of medians over the rounds) and <date>-e2e.png
# (requests or operations per second relative to no agent, and RSS over time), and keeps the raw results
# (wrk output, RSS samples, logs) in benchmarks/results/<timestamp>-e2e/. Not a test: it asserts nothing.
#
#   benchmarks/scripts/e2e.sh                 3 rounds of 10 s (+3 s warm-up) per cell, about 12 minutes
#   E2E_ROUNDS=3 E2E_SECONDS=5 E2E_WARMUP=2 benchmarks/scripts/e2e.sh      about 6 minutes
# Environment: E2E_ROUNDS, E2E_SECONDS (wrk's measured run and the cache's workload), E2E_WARMUP,
# E2E_CONNECTIONS (wrk, default 32), E2E_CONFIGS (default "nio nio-heavy netty cache"),
# E2E_JVM_FLAGS (default "-Xms256m -Xmx256m -XX:+AlwaysPreTouch", the same for every run: a resident heap of
# fixed size, so that RSS differences are native memory; the direct-memory limit is then 256 MiB), E2E_SKIP_BUILD=1.
# Needs wrk (apt-get install -y wrk), python3 and, for the chart, gnuplot (apt-get install -y gnuplot-nox;
# matplotlib is not used: it is not installed on these machines and PyPI is out of reach).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
. "$ROOT/bin/lib/jdk.sh"
JAVA="$JAVA_HOME/bin/java"

ROUNDS="${E2E_ROUNDS:-3}"
SECONDS_MEASURED="${E2E_SECONDS:-10}"
WARMUP="${E2E_WARMUP:-3}"
CONNECTIONS="${E2E_CONNECTIONS:-32}"
CONFIGS="${E2E_CONFIGS:-nio nio-heavy netty cache}"
read -r -a JVM_FLAGS <<<"${E2E_JVM_FLAGS:--Xms256m -Xmx256m -XX:+AlwaysPreTouch}"
AGENT="$ROOT/agent/target/hakmem-agent.jar"
SAMPLES="$ROOT/sample-apps/target"

note() { echo "e2e: $*" >&2; }
command -v wrk >/dev/null || { note "wrk is not installed (apt-get install -y wrk)"; exit 1; }
command -v python3 >/dev/null || { note "python3 is needed for the summary"; exit 1; }
if [ "${E2E_SKIP_BUILD:-0}" != 1 ]; then
  note "building the agent and the sample apps"
  ./mvnw -q -B -ntp -DskipTests package -pl agent/bootstrap,sample-apps -am
fi
for jar in "$AGENT" "$SAMPLES/nio-server.jar" "$SAMPLES/netty-server.jar" "$SAMPLES/offheap-cache.jar"; do
  [ -f "$jar" ] || { note "missing $jar"; exit 1; }
done

RESULTS="$ROOT/benchmarks/results/$(date +%Y%m%d-%H%M%S)-e2e"
mkdir -p "$RESULTS"
note "results in $RESULTS"
{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- agent allocator sample-apps 2>/dev/null || echo '+uncommitted')"
  echo "java=$("$JAVA" -version 2>&1 | head -1)"
  echo "cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(nproc) cores"
  echo "wrk=$(wrk -v 2>&1 | head -1)"
  echo "settings=$ROUNDS rounds, $SECONDS_MEASURED s measured after $WARMUP s of warm-up, $CONNECTIONS connections, JVM flags ${JVM_FLAGS[*]}"
} >"$RESULTS/meta.txt"

sample_rss() { # pid, file: lines '<epoch seconds> <VmRSS in KiB>' every 250 ms while the process lives
  local pid="$1" file="$2" rss
  while [ -r "/proc/$pid/status" ]; do
    rss="$(sed -n 's/^VmRSS:\s*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null || true)"
    [ -n "$rss" ] && echo "$EPOCHREALTIME $rss" >>"$file"
    sleep 0.25
  done
}

agent_flags() { # mode
  case "$1" in
    none) ;;
    observe) echo "-javaagent:$AGENT=mode=observe" ;;
    replace) echo "-javaagent:$AGENT=mode=replace" ;;
  esac
}

run_server() { # config, mode, round
  local config="$1" mode="$2" round="$3" jar args=() name port pid sampler
  case "$config" in
    nio) jar="$SAMPLES/nio-server.jar" ;;
    nio-heavy) jar="$SAMPLES/nio-server.jar"; args=(--heavy) ;;
    netty) jar="$SAMPLES/netty-server.jar" ;;
  esac
  name="$config-$mode-$round"
  # shellcheck disable=SC2046
  "$JAVA" $(agent_flags "$mode") "${JVM_FLAGS[@]}" -jar "$jar" --port 0 --seconds 600 "${args[@]}" \
    >"$RESULTS/$name.log" 2>&1 &
  pid=$!
  sample_rss "$pid" "$RESULTS/$name.rss" &
  sampler=$!
  for _ in $(seq 200); do
    port="$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$RESULTS/$name.log")"
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { note "$name did not start:"; cat "$RESULTS/$name.log" >&2; kill "$pid"; return 1; }
  wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$port/" >"$RESULTS/$name.warmup" 2>&1
  wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_MEASURED}s" --latency "http://127.0.0.1:$port/" >"$RESULTS/$name.wrk" 2>&1
  curl -s -m 10 "http://127.0.0.1:$port/shutdown" >/dev/null || true
  wait "$pid" || note "$name exited with status $?"
  wait "$sampler" 2>/dev/null || true
  note "$name: $(sed -n 's/^Requests\/sec:\s*//p' "$RESULTS/$name.wrk") req/s"
}

run_cache() { # mode, round
  local mode="$1" round="$2" name="cache-$1-$2" pid sampler
  # shellcheck disable=SC2046
  "$JAVA" $(agent_flags "$mode") "${JVM_FLAGS[@]}" -jar "$SAMPLES/offheap-cache.jar" --seconds "$SECONDS_MEASURED" \
    --ops 1000000000000 --threads 2 --linger 2 >"$RESULTS/$name.log" 2>&1 &
  pid=$!
  sample_rss "$pid" "$RESULTS/$name.rss" &
  sampler=$!
  wait "$pid" || note "$name exited with status $?"
  wait "$sampler" 2>/dev/null || true
  note "$name: $(sed -n 's/.*operations in .* s (\(.*\) ops\/s).*/\1/p' "$RESULTS/$name.log") ops/s"
}

MODES=(none observe replace)
for round in $(seq "$ROUNDS"); do
  for config in $CONFIGS; do
    for i in 0 1 2; do
      mode="${MODES[$(((i + round - 1) % 3))]}"
      if [ "$config" = cache ]; then run_cache "$mode" "$round"; else run_server "$config" "$mode" "$round"; fi
    done
  done
done

REPORT="$ROOT/benchmarks/reports/$(date +%Y-%m-%d)-e2e.md"
python3 "$ROOT/benchmarks/scripts/e2e_summary.py" "$RESULTS" "$REPORT" "benchmarks/scripts/e2e.sh (E2E_ROUNDS=$ROUNDS E2E_SECONDS=$SECONDS_MEASURED E2E_WARMUP=$WARMUP E2E_CONNECTIONS=$CONNECTIONS)"
note "wrote $REPORT"
