#!/usr/bin/env bash
# Builds the benchmarks (Release) and runs every scenario, one after the other, each once the machine is quiet
# (1-minute load average below $QUIET, default 2.0, waiting at most 10 minutes; the HTTP scenarios also measure a run
# again when other processes took more than 10 % of a core during it). Then draws the charts.
# Output: $OUT (default /tmp/actoroauth-bench-YYYYMMDD-HHMM): one log per scenario (the last line of each is its JSON
# result), an SVG chart per scenario and summary.md (the figures and targets as Markdown tables for docs/performance.md).
#   tests/ActorOAuth.Benchmarks/run-all.sh [--docs] [scenario ...]
#     --docs   also copy the charts and summary.md to docs/performance/ (what README and docs/performance.md link to)
#     scenarios: token-fetch-control token-fetch grain-read grain-read-unpinned refresh-storm memory connect-flow index
#                webhooks token-fetch-telemetry token-fetch-cluster (the default, in this order), and
#                token-fetch-handout-off (the same without the hand-out table, for an A/B on the same machine; not in
#                the default). token-fetch-control measures the bare endpoint against itself the way token-fetch
#                measures ActorOAuth against it: the ratios the method alone gives on this machine that day.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/actoroauth-bench-$(date -u +%Y%m%d-%H%M)}"
QUIET="${QUIET:-2.0}"
docs=false
if [ "${1:-}" = "--docs" ]; then docs=true; shift; fi
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get update && apt-get install -y wrk" >&2; exit 1; }
dotnet build tests/ActorOAuth.Benchmarks -c Release -v q -nologo >&2
# --cluster needs the silo and the API built too (deploy/local/up.sh builds them again, quickly).
dotnet build src/ActorOAuth.Silo -c Release -v q -nologo >&2
bench="tests/ActorOAuth.Benchmarks/bin/Release/net10.0/ActorOAuth.Benchmarks.dll"

wait_quiet() {
  local deadline=$(( SECONDS + 600 ))
  while awk -v q="$QUIET" '{ exit !($1 >= q) }' /proc/loadavg && [ "$SECONDS" -lt "$deadline" ]; do sleep 10; done
}

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(token-fetch-control token-fetch grain-read grain-read-unpinned refresh-storm memory connect-flow index webhooks token-fetch-telemetry token-fetch-cluster)
for s in "${scenarios[@]}"; do
  wait_quiet
  echo "== $s ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))" >&2
  case "$s" in
    # Three rounds of 20 s per target, each cut into 4 slices alternating with the other target's (the machine's
    # speed drifts within a minute): the targets are judged on the worst round.
    token-fetch) dotnet "$bench" token-fetch --rounds 3 --duration 20 --slices 4 ;;
    token-fetch-control) dotnet "$bench" token-fetch --rounds 3 --duration 20 --slices 4 --control --targets bare,actor ;;
    token-fetch-cluster) dotnet "$bench" token-fetch --cluster --rounds 3 --duration 20 ;;
    token-fetch-handout-off) dotnet "$bench" token-fetch --handout off ;;
    grain-read-unpinned) dotnet "$bench" grain-read --no-pin ;;
    token-fetch-telemetry) dotnet "$bench" token-fetch --telemetry off,metrics,on,off,metrics,on ;;
    *) dotnet "$bench" "$s" ;;
  esac > "$OUT/$s.log" 2> "$OUT/$s.err" || echo "$s failed: see $OUT/$s.err" >&2
  tail -n 1 "$OUT/$s.log" >&2
done

dotnet "$bench" charts --in "$OUT" >&2
if $docs; then
  mkdir -p docs/performance
  cp "$OUT"/*.svg "$OUT"/summary.md docs/performance/
  echo "charts and summary.md copied to docs/performance/ (from $OUT)" >&2
fi
echo "results in $OUT" >&2
