#!/usr/bin/env bash
# Tables against their peers, in one run on the same files:
#   loading: sqlite3's .import (untyped; the near-limit reference), sqlite-utils insert --detect-types
#            (Datasette's loader) and agora import: wall time and peak RSS of each;
#   serving: Datasette (datasette serve -i, on the sqlite-utils database given the indexes and full-text
#            index Agora builds) and agora serve, under wrk with the same queries.
#   Benchmarks/tables.sh              1,000,000-row housing file
#   AGORA_BENCH_BIG=1 Benchmarks/tables.sh   also imports a 5,000,000-row file (time and peak RSS)
# Needs: ../shared/bench/gen_city_data.py (the data generator), sqlite3, wrk, GNU time, python3 -m venv
# (datasette and sqlite-utils are installed into the work directory's venv), a release build (built here).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
generator=${AGORA_BENCH_GENERATOR:-$root/../shared/bench/gen_city_data.py}
work=${AGORA_BENCH_DIR:-/tmp/agora-bench-tables}
duration=${AGORA_BENCH_DURATION:-10s}
connections=${AGORA_BENCH_CONNECTIONS:-32}
scratch=${AGORA_BENCH_SCRATCH:-.build-release}
mkdir -p "$work"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT

swift build -c release --scratch-path "$scratch" --product agora >/dev/null
agora="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/agora"

if [ ! -f "$work/housing.csv" ]; then
  [ -f "$generator" ] || { echo "the data generator is missing: $generator"; exit 1; }
  python3 "$generator" "$work"
fi
if [ ! -x "$work/venv/bin/datasette" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q datasette sqlite-utils
fi
rows=$(($(wc -l <"$work/housing.csv") - 1))
echo "## Data: housing.csv, $rows rows, $(du -hL "$work/housing.csv" | cut -f1)"

timed() { # label, command...
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/err.txt"; exit 1; }
  read -r seconds kb <"$work/time.txt"
  printf '| %s | %s s | %s MB |\n' "$label" "$seconds" "$((kb / 1024))"
  echo "$seconds" >"$work/last-seconds.txt"
}

echo
echo "## Loading (wall time, peak RSS)"
echo "| loader | time | peak RSS |"
echo "|---|---|---|"
rm -f "$work/sqlite3.db" "$work/datasette.db"
rm -rf "$work/agora-data"
timed "sqlite3 .import (untyped)" sqlite3 "$work/sqlite3.db" ".import --csv $work/housing.csv housing"
reference=$(cat "$work/last-seconds.txt")
# sqlite-utils 4 detects types by default and dropped the flag that asked for it.
detect=()
"$work/venv/bin/sqlite-utils" insert --help | grep -q -- "--detect-types" && detect=(--detect-types)
timed "sqlite-utils insert --csv (types detected)" "$work/venv/bin/sqlite-utils" insert "$work/datasette.db" housing "$work/housing.csv" --csv "${detect[@]}"
sqlite_utils=$(cat "$work/last-seconds.txt")
timed "agora import (typed, indexed)" "$agora" import "$work/housing.csv" --dataset housing --publisher bench --data "$work/agora-data"
agora_seconds=$(cat "$work/last-seconds.txt")
table=$(tail -1 "$work/out.txt")
grep "imported" "$work/err.txt" | sed 's/^/    /'
loaded=$(grep -oE "loading rows [0-9.]+ s" "$work/err.txt" | grep -oE "[0-9.]+")
checked=$(grep -oE "inferring types [0-9.]+ s" "$work/err.txt" | grep -oE "[0-9.]+")
python3 - "$reference" "$sqlite_utils" "$agora_seconds" "$checked" "$loaded" <<'EOF'
import sys
ref, su, agora, checked, loaded = map(float, sys.argv[1:])
print(f"\nagora import / sqlite3 .import: {agora / ref:.2f}x in all; "
      f"{(checked + loaded) / ref:.2f}x for typed rows (type inference and loading, before indexes)")
print(f"agora import / sqlite-utils insert --detect-types: {agora / su:.2f}x")
EOF

if [ "${AGORA_BENCH_BIG:-0}" = 1 ]; then
  if [ ! -f "$work/big/housing.csv" ]; then python3 "$generator" "$work/big" --housing 5000000 --pois 1; fi
  rm -rf "$work/agora-big"
  echo
  echo "| 5,000,000 rows | time | peak RSS |"
  echo "|---|---|---|"
  timed "agora import (typed, indexed)" "$agora" import "$work/big/housing.csv" --dataset housing --publisher bench --data "$work/agora-big"
  grep "imported" "$work/err.txt" | sed 's/^/    /'
  rm -rf "$work/agora-big"
fi

"$agora" serve --data "$work/agora-data" --port 18912 >"$work/agora.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:18912/health" && break; sleep 0.5; done

agora_base="http://127.0.0.1:18912/api/v1/tables/$table/rows"
datasette_base="http://127.0.0.1:18911/datasette"
group_sql="select+borough,+avg(price)+as+avg_price+from+housing+group+by+borough+order+by+borough"
queries=(
  "first page of 100 rows|$agora_base?_size=100|$datasette_base/housing.json?_shape=array&_size=100"
  "borough=Camden, bedrooms>=3, by price, 100 rows|$agora_base?borough=Camden&bedrooms__gte=3&_sort=price&_size=100|$datasette_base/housing.json?borough=Camden&bedrooms__gte=3&_sort=price&_shape=array&_size=100"
  "average price per borough|$agora_base?_group=borough&_agg=avg:price|$datasette_base.json?sql=$group_sql&_shape=array"
  "full-text search 'camden park', 100 rows|$agora_base?_q=camden+park&_size=100|$datasette_base/housing.json?_search=camden+park&_shape=array&_size=100"
)

# Agora sees each query first: a slow shape gets its composite index built in the background.
for entry in "${queries[@]}"; do
  IFS='|' read -r label agora_url datasette_url <<<"$entry"
  start=$(date +%s%N)
  curl -sf -o /dev/null "$agora_url" || { echo "Agora failed: $agora_url"; exit 1; }
  echo "    first answer to '$label': $(( ($(date +%s%N) - start) / 1000000 )) ms"
done
sleep 5
storage=$(ls "$work/agora-data/tables/"*.sqlite | head -1)
echo "    indexes of the table file: $(sqlite3 "$storage" "SELECT group_concat(name, ' ') FROM sqlite_master WHERE type = 'index'")"

# Datasette gets the same indexes: each B-tree index Agora has (named by column), and full-text search.
columns=$(sqlite3 "$work/agora-data/agora.sqlite" "SELECT doc FROM data_table WHERE id = '$table'" |
  python3 -c 'import json,sys; print(" ".join(c["name"] for c in json.load(sys.stdin)["current"]["columns"]))')
read -r -a names <<<"$columns"
while IFS='|' read -r index definition; do
  list=$(echo "$definition" | sed -E 's/.*\((.*)\).*/\1/')
  mapped=""
  for column in $(echo "$list" | tr -d ' ' | tr ',' ' '); do
    mapped+="${mapped:+, }\"${names[${column#c}]}\""
  done
  sqlite3 "$work/datasette.db" "CREATE INDEX IF NOT EXISTS housing_$index ON housing ($mapped)"
done < <(sqlite3 "$storage" "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
text_columns=$(sqlite3 "$work/datasette.db" "SELECT name FROM pragma_table_info('housing') WHERE type = 'TEXT'")
# shellcheck disable=SC2086
"$work/venv/bin/sqlite-utils" enable-fts "$work/datasette.db" housing $text_columns --fts5 >/dev/null 2>&1 || true
sqlite3 "$work/datasette.db" "ANALYZE"
echo "    Datasette's indexes: $(sqlite3 "$work/datasette.db" "SELECT group_concat(name, ' ') FROM sqlite_master WHERE type = 'index'")"

# Datasette's fastest forms: immutable, no facet suggestions, _shape=array; its SQL time limit raised
# so the group-by is answered rather than refused.
"$work/venv/bin/datasette" serve -i "$work/datasette.db" --port 18911 --setting suggest_facets off \
  --setting sql_time_limit_ms 60000 >"$work/datasette.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:18911/" && break; sleep 0.5; done

measure() { # url -> "req/s p50 p99"
  wrk -t2 -c"$connections" -d"$duration" --latency "$1" >"$work/wrk.txt" 2>&1
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  errors=$(grep -E "Non-2xx|Socket errors" "$work/wrk.txt" | tr -s ' ' | tr '\n' ' ' || true)
  echo "$rps $p50 $p99 ${errors:-}"
}

echo
echo "## Serving ($connections connections, $duration each, wrk -t2)"
echo "| query | Datasette req/s | p50 | p99 | Agora req/s | p50 | p99 | Agora / Datasette |"
echo "|---|---|---|---|---|---|---|---|"
for entry in "${queries[@]}"; do
  IFS='|' read -r label agora_url datasette_url <<<"$entry"
  # Both must answer the query with the same rows: the same ids in the same order for the first page,
  # the same prices (and rows below the page's last price) by price, the same averages, and the same
  # number of search results (Datasette ranks them by relevance, Agora by row).
  curl -sf "$agora_url" >"$work/agora-answer.json" || { echo "Agora failed: $agora_url"; exit 1; }
  curl -sf "$datasette_url" >"$work/datasette-answer.json" || { echo "Datasette failed: $datasette_url"; exit 1; }
  python3 - "$work/agora-answer.json" "$work/datasette-answer.json" "$label" <<'EOF'
import json, sys
agora = json.load(open(sys.argv[1]))["rows"]
datasette = json.load(open(sys.argv[2]))
label = sys.argv[3]
assert len(agora) == len(datasette), f"{label}: {len(agora)} rows from Agora, {len(datasette)} from Datasette"
if "first page" in label:
    assert [r["id"] for r in agora] == [r["id"] for r in datasette], f"{label}: different rows"
if "by price" in label:
    # Datasette breaks ties in price arbitrarily; Agora by row number.
    assert [r["price"] for r in agora] == [r["price"] for r in datasette], f"{label}: different prices"
    assert {r["id"] for r in agora if r["price"] < agora[-1]["price"]} == {r["id"] for r in datasette if r["price"] < agora[-1]["price"]}, label
if "average" in label:
    for a, d in zip(agora, datasette):
        assert a["borough"] == d["borough"] and abs(a["avg_price"] - d["avg_price"]) < 1e-6 * d["avg_price"], label
EOF
  wrk -t1 -c4 -d2s "$datasette_url" >/dev/null
  wrk -t1 -c4 -d2s "$agora_url" >/dev/null
  read -r d_rps d_p50 d_p99 d_err <<<"$(measure "$datasette_url")"
  read -r a_rps a_p50 a_p99 a_err <<<"$(measure "$agora_url")"
  ratio=$(python3 -c "print(f'{float(\"$a_rps\") / float(\"$d_rps\"):.1f}x')")
  echo "| $label | $d_rps | $d_p50 | $d_p99 | $a_rps | $a_p50 | $a_p99 | $ratio |"
  light=$(wrk -t1 -c4 -d"$duration" --latency "$agora_url" 2>&1)
  echo "    Agora at 4 connections: $(echo "$light" | awk '/Requests\/sec/ {print $2" req/s"}'), p50 $(echo "$light" | awk '$1 == "50%" {print $2}'), p99 $(echo "$light" | awk '$1 == "99%" {print $2}')"
  [ -n "$d_err$a_err" ] && echo "    errors: Datasette: ${d_err:-none}; Agora: ${a_err:-none}"
done
echo
echo "Agora answers a group-by once per table version and keeps the answer (versions never change);"
echo "the same group-by with a filter that changes on every request:"
varied="$work/varied-group.lua"
cat >"$varied" <<'EOF'
counter = 0
request = function()
  counter = counter + 1
  local path = string.format(wrk.path, 100000 + (counter % 5000) * 100)
  return wrk.format("GET", path)
end
EOF
for pair in "Datasette|http://127.0.0.1:18911|/datasette.json?sql=select+borough,+avg(price)+from+housing+where+price+between+%d+and+1000000000+group+by+borough&_shape=array" \
  "Agora|http://127.0.0.1:18912|/api/v1/tables/$table/rows?_group=borough&_agg=avg:price&price__gte=%d"; do
  IFS='|' read -r label host path <<<"$pair"
  result=$(wrk -t2 -c"$connections" -d"$duration" --latency -s "$varied" "$host$path" 2>&1 || true)
  echo "    $label: $(echo "$result" | awk '/Requests\/sec/ {print $2" req/s"}') p50 $(echo "$result" | awk '$1 == "50%" {print $2}') p99 $(echo "$result" | awk '$1 == "99%" {print $2}')"
done
