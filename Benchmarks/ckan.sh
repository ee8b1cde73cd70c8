#!/usr/bin/env bash
# The open-data interfaces under load, next to CKAN's published figures:
#   package_search (q + four facets) over a generated catalogue of N datasets (default 100,000),
#   datastore_search on the 1,000,000-row housing table, and DCAT-AP catalogue pages.
#   Benchmarks/ckan.sh [DATASETS]
# Reuses the catalogue Benchmarks/search.sh generates (/tmp/agora-bench-N) and the housing table
# Benchmarks/tables.sh imports (/tmp/agora-bench-tables), generating either when missing.
# Needs: wrk, python3 (for ../shared/bench/gen_city_data.py when housing.csv is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
scratch=${AGORA_BENCH_SCRATCH:-.build-release}
duration=${AGORA_BENCH_DURATION:-15s}
swift build -c release --scratch-path "$scratch" >/dev/null
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
catalogue=${AGORA_BENCH_DIR:-/tmp/agora-bench-$n}
tables=${AGORA_BENCH_TABLES:-/tmp/agora-bench-tables}
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT

if [ ! -f "$catalogue/sqlite/agora.sqlite" ]; then
  echo "generating $n datasets in SQLite"
  "$bin/agora-bench" generate-catalog --datasets "$n" --data "$catalogue/sqlite"
fi
if [ ! -d "$tables/agora-data" ]; then
  mkdir -p "$tables"
  [ -f "$tables/housing.csv" ] || python3 ../shared/bench/gen_city_data.py "$tables" --housing 1000000 --pois 1000
  "$bin/agora" import "$tables/housing.csv" --dataset housing --publisher bench --data "$tables/agora-data" >/dev/null
fi

wait_up() { for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && return; sleep 0.5; done; }
run() { # label, connections, script, url
  echo "### $1, $2 connection(s), $duration"
  wrk -t1 -c"$2" -d"$duration" --latency -s "$3" "$4" | grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx|Socket errors" || true
}

"$bin/agora" serve --port 18821 --data "$catalogue/sqlite" --harvest-every 0 >"$catalogue/serve-ckan.log" 2>&1 &
pids+=($!)
wait_up 18821
wrk -t1 -c4 -d5s -s Benchmarks/ckan-search.lua http://127.0.0.1:18821 >/dev/null  # warm-up
for c in 1 4 16; do run "package_search, q + 4 facets, $n datasets" "$c" Benchmarks/ckan-search.lua http://127.0.0.1:18821; done
pages=$(( (n + 99) / 100 ))
sed "s/% pages + 1/% $pages + 1/" Benchmarks/dcat-pages.lua >"$catalogue/dcat-pages.lua"
echo "### one DCAT page (Turtle, 100 datasets), timed by curl:"
for page in 1 500 $pages; do
  curl -s -o /dev/null -w "page $page: %{time_total} s, %{size_download} bytes\n" "http://127.0.0.1:18821/catalog.ttl?page=$page"
done
for c in 1 4; do run "DCAT catalogue pages (Turtle, 100 datasets)" "$c" "$catalogue/dcat-pages.lua" http://127.0.0.1:18821; done
kill "${pids[@]}" 2>/dev/null || true
pids=()

"$bin/agora" serve --port 18822 --data "$tables/agora-data" --harvest-every 0 >"$tables/serve-ckan.log" 2>&1 &
pids+=($!)
wait_up 18822
resource=$(curl -sf http://127.0.0.1:18822/api/v1/datasets/housing/tables | python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["distribution_id"])')
sed "s/resource = nil/resource = \"$resource\"/" Benchmarks/datastore-search.lua >"$tables/datastore-search.lua"
sed -i "1i resource = \"$resource\"" "$tables/datastore-search.lua"
wrk -t1 -c4 -d5s -s "$tables/datastore-search.lua" http://127.0.0.1:18822 >/dev/null  # warm-up
for c in 1 4 16; do run "datastore_search, 1,000,000 rows" "$c" "$tables/datastore-search.lua" http://127.0.0.1:18822; done
