#!/usr/bin/env bash
# Full-text dataset search with facets over a generated catalogue, through HTTP under wrk,
# on SQLite and (when AGORA_BENCH_POSTGRES_URL is set) PostgreSQL.
#   Benchmarks/search.sh [DATASETS]        default 100000
# Needs: wrk, a release build (built here), PostgreSQL optional.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
scratch=${AGORA_BENCH_SCRATCH:-.build-release}
swift build -c release --scratch-path "$scratch" >/dev/null
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
work=${AGORA_BENCH_DIR:-/tmp/agora-bench-$n}
duration=${AGORA_BENCH_DURATION:-20s}
mkdir -p "$work"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT

measure() { # label, port
  local label=$1 port=$2
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
  echo "### $label: warm-up"
  wrk -t1 -c4 -d5s -s Benchmarks/search-repeated.lua "http://127.0.0.1:$port" >/dev/null
  for script in varied repeated; do
    for c in 1 4 16; do
      echo "### $label: search with facets ($script queries), $c connection(s), $duration"
      wrk -t1 -c"$c" -d"$duration" --latency -s "Benchmarks/search-$script.lua" "http://127.0.0.1:$port" \
        | grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx|Socket errors" || true
    done
  done
  echo "### $label: browse all (no query, facets over the whole catalogue, cached between writes), 4 connections"
  wrk -t1 -c4 -d10s --latency "http://127.0.0.1:$port/api/v1/datasets" | grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx" || true
}

if [ ! -f "$work/sqlite/agora.sqlite" ]; then
  echo "generating $n datasets in SQLite"
  /usr/bin/time -f "generate (SQLite): %e s, %M KB max RSS" "$bin/agora-bench" generate-catalog --datasets "$n" --data "$work/sqlite"
fi
"$bin/agora" serve --port 18801 --data "$work/sqlite" >"$work/serve-sqlite.log" 2>&1 &
pids+=($!)
measure "SQLite, $n datasets" 18801

if [ -n "${AGORA_BENCH_POSTGRES_URL:-}" ]; then
  url="$AGORA_BENCH_POSTGRES_URL"
  if [ ! -f "$work/pg.done" ]; then
    echo "generating $n datasets in PostgreSQL"
    /usr/bin/time -f "generate (PostgreSQL): %e s, %M KB max RSS" "$bin/agora-bench" generate-catalog --datasets "$n" --concurrency 4 --database "$url"
    touch "$work/pg.done"
  fi
  "$bin/agora" serve --port 18802 --data "$work/pg" --database "$url" >"$work/serve-pg.log" 2>&1 &
  pids+=($!)
  measure "PostgreSQL, $n datasets" 18802
else
  echo "skipping PostgreSQL: AGORA_BENCH_POSTGRES_URL is not set"
fi
