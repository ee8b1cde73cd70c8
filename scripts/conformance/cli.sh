#!/usr/bin/env bash
# The command-line contract, checked against real processes: help texts, `token create --admin`
# printing exactly one token line, `serve --demo` on SQLite (and PostgreSQL when
# AGORA_TEST_POSTGRES_URL is set) answering reads anonymously and writes with that token, and
# `agora import` printing the table's id last while a server runs on the same store.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/conformance/lib/common.bash
conformance_start cli

check "agora --help" "$agora" --help
for sub in serve import "token create" "user create" "user list"; do
  check "agora $sub --help" $agora $sub --help
done
check "serve --help names the contract flags" bash -c "'$agora' serve --help | grep -q -- '--demo' && '$agora' serve --help | grep -q -- '--database' && '$agora' serve --help | grep -q -- '--data'"

run_backend() { # label, port, extra store flags...
  local label=$1 port=$2; shift 2
  local out; out=$("$agora" token create --admin "$@" 2>/dev/null)
  check "$label: token create --admin prints one line" test "$(printf '%s\n' "$out" | wc -l)" -eq 1
  check "$label: the line is a token" bash -c "[[ '$out' =~ ^agora_[0-9a-f]{64}$ ]]"
  local second; second=$("$agora" token create --admin "$@" 2>/dev/null)
  check "$label: a second token is different" test "$out" != "$second"
  "$agora" serve --demo --port "$port" "$@" >"$work/serve-$port.log" 2>&1 &
  pids+=($!)
  wait_for_health "http://127.0.0.1:$port"
  check "$label: /health" curl -sf "http://127.0.0.1:$port/health"
  check "$label: demo city searchable" bash -c "curl -sf 'http://127.0.0.1:$port/api/v1/datasets?q=supermarket' | grep -q supermarket-locations"
  check "$label: anonymous write refused with 401" bash -c "test \$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' http://127.0.0.1:$port/api/v1/publishers) = 401"
  check "$label: token writes" bash -c "test \$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer $out' -H 'Content-Type: application/json' -d '{\"title\":\"Harbour Board\"}' http://127.0.0.1:$port/api/v1/publishers) = 201"
  check "$label: home page" bash -c "curl -sf http://127.0.0.1:$port/ | grep -q 'Open data for the city'"
  check "$label: metrics" bash -c "curl -sf http://127.0.0.1:$port/metrics | grep -q agora_http_requests_total"
  check "$label: demo files are tables" bash -c "curl -sf http://127.0.0.1:$port/api/v1/datasets/bus-stops/tables | grep -q row_count"

  # agora import while the server runs: new publisher and dataset, then a second version.
  printf 'id,name,kind,lat,lon\n1,Corner Shop,shop,51.50,-0.12\n2,Park Cafe,cafe,51.51,-0.13\n3,Old Mill,museum,51.52,-0.11\n' >"$work/places.csv"
  local id; id=$("$agora" import "$work/places.csv" --dataset places-$port --publisher harbour-$port "$@" 2>"$work/import-$port.err" | tail -1)
  check "$label: import prints the table id last" bash -c "[[ '$id' =~ ^[0-9a-f-]{36}$ ]]"
  check "$label: import reports rows on stderr" grep -q "3 rows" "$work/import-$port.err"
  check "$label: the running server serves the imported table" bash -c "curl -sf 'http://127.0.0.1:$port/api/v1/tables/$id/rows?kind=cafe' | grep -q 'Park Cafe'"
  check "$label: near query" bash -c "curl -sf 'http://127.0.0.1:$port/api/v1/tables/$id/rows?_near=51.5,-0.12&_radius=100' | grep -q 'Corner Shop'"
  printf 'id,name,kind,lat,lon\n1,Corner Shop,shop,51.50,-0.12\n' >"$work/places.csv"
  local again; again=$("$agora" import "$work/places.csv" --dataset places-$port --publisher harbour-$port "$@" 2>/dev/null | tail -1)
  check "$label: re-import makes version 2 of the same table" bash -c "[ '$again' = '$id' ] && curl -sf 'http://127.0.0.1:$port/api/v1/tables/$id/versions' | grep -q '\"version\":2'"
  printf 'a,b\n1,2\n3\n' >"$work/ragged.csv"
  "$agora" import "$work/ragged.csv" --dataset places-$port --publisher harbour-$port "$@" >/dev/null 2>"$work/ragged-$port.err"
  local status=$?
  check "$label: a ragged file is refused with a non-zero exit" test "$status" -ne 0
  check "$label: the refusal names line 3" grep -qi "line 3" "$work/ragged-$port.err"
  check "$label: --lenient imports it" "$agora" import "$work/ragged.csv" --lenient --dataset places-$port --publisher harbour-$port "$@"
  check "$label: the table still serves after the refused file" bash -c "curl -sf 'http://127.0.0.1:$port/api/v1/tables/$id/rows' | grep -q 'Corner Shop'"
}

run_backend "SQLite" 18431 --data "$work/sqlite"
# A second server on the same SQLite directory while the first runs: the demo is already there.
"$agora" serve --demo --port 18433 --data "$work/sqlite" >"$work/serve-second.log" 2>&1 &
pids+=($!)
wait_for_health "http://127.0.0.1:18433"
check "SQLite: second server shares the store" bash -c "curl -sf 'http://127.0.0.1:18433/api/v1/publishers/harbour-board' | grep -q 'Harbour Board'"

if [ -n "${AGORA_TEST_POSTGRES_URL:-}" ]; then
  schema="cli_$(date +%s)_$$"
  sep='?'; [[ "$AGORA_TEST_POSTGRES_URL" == *\?* ]] && sep='&'
  run_backend "PostgreSQL" 18432 --data "$work/pg" --database "${AGORA_TEST_POSTGRES_URL}${sep}schema=${schema}"
else
  echo "cli.sh: skipping PostgreSQL: AGORA_TEST_POSTGRES_URL is not set"
fi

conformance_finish
