#!/usr/bin/env bash
# Runs hakmem's jcstress tests (the event ring; remote frees against the owner's refill and retirement).
#
#   allocator/concurrency-tests/run-jcstress.sh [quick|full] [jcstress options...]
#
#   quick  (default) for CI: jcstress's "quick" preset (5 x 200 ms per fork) with unified compilation,
#          i.e. 4 forks per test: interpreter, C1, C2, and C2 with its stress randomizers.
#          About 1.5 minutes on 2 cores.
#   full   jcstress's "default" preset (5 x 1 s per fork) with split compilation: every mix of
#          interpreted, C1 and C2 across the actors, stress randomizers on 5 seeds. Tens of minutes.
#
# Extra options go to jcstress, e.g. `-t RemoteFree` to select tests or `-v` to print every result.
# Needs target/jcstress.jar: ./mvnw -pl allocator/concurrency-tests -am package -DskipTests
# Exits non-zero if any test result failed or had an error, or if no test ran. jcstress 0.16 exits 1
# on failures and errors itself, but 0 when no test matched; this also reads its summary to be sure.
# Reports go to target/jcstress-run/results/.
#
# Tests with three actors run only on machines with three or more CPUs (jcstress pins one actor per
# CPU); on fewer, jcstress skips them and says so, and this script repeats the notice.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../../bin/lib/jdk.sh
. "$ROOT/bin/lib/jdk.sh"

MODE="${1:-quick}"
[ $# -gt 0 ] && shift
case "$MODE" in
  quick) PRESET=(-m quick -sc false) ;;
  full)  PRESET=(-m default) ;;
  *) echo "usage: $0 [quick|full] [jcstress options...]" >&2; exit 2 ;;
esac

JAR="$HERE/target/jcstress.jar"
if [ ! -f "$JAR" ]; then
  echo "jcstress: $JAR is missing; build it with: ./mvnw -pl allocator/concurrency-tests -am package -DskipTests" >&2
  exit 2
fi

OUT="$HERE/target/jcstress-run"
rm -rf "$OUT"
mkdir -p "$OUT"
cd "$OUT" # jcstress writes its result blob into the working directory
LOG="$OUT/jcstress.log"

echo "jcstress: $MODE mode, JDK $JAVA_HOME, log $LOG" >&2
start=$SECONDS
# native access for jcstress's own JNA (CPU affinity), in this JVM only: the forks that run the tests
# keep hakmem's default, file-backed mapping route
set +e
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$JAR" "${PRESET[@]}" -r "$OUT/results" "$@" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
elapsed=$((SECONDS - start))

fail() {
  echo "jcstress: FAILED after ${elapsed}s: $*" >&2
  echo "jcstress: details in $LOG and $OUT/results/index.html" >&2
  exit 1
}

[ "$status" -eq 0 ] || fail "jcstress exited with status $status"
grep -q '^RUN RESULTS:' "$LOG" || fail "no results (did any test match?)"

# the last progress line: (Results: N planned; P passed, F failed, S soft errs, H hard errs)
summary="$(grep -o '(Results: [0-9]* planned; [0-9]* passed, [0-9]* failed, [0-9]* soft errs, [0-9]* hard errs)' "$LOG" | tail -1)"
[ -n "$summary" ] || fail "no summary line"
read -r planned passed failed soft hard <<< "$(echo "$summary" | tr -cs '0-9' ' ')"

if grep -q 'No scheduling is possible' "$LOG"; then
  echo "jcstress: note: tests with more actors than this machine's $(nproc) CPUs were skipped (see 'Scheduling classes' above)" >&2
fi
[ "$planned" -gt 0 ] || fail "no test was planned"
[ "$failed" -eq 0 ] && [ "$soft" -eq 0 ] && [ "$hard" -eq 0 ] && [ "$passed" -eq "$planned" ] || fail "$summary"
grep -q '^  Failed tests: No matches\.' "$LOG" || fail "jcstress lists failed tests"
grep -q '^  Error tests: No matches\.' "$LOG" || fail "jcstress lists tests with errors"

echo "jcstress: PASSED in ${elapsed}s: $summary" >&2
