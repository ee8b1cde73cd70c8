#!/usr/bin/env bash
# CKAN's own client against a live hub: ckanapi (from PyPI, in a venv under .build) reads the demo
# city through the Action API: status_show, package_search with facets, package_show of a missing id
# (NotFound), `search datasets` (exactly `count` lines), `dump` of every dataset and organization, and
# datastore_search on a demo file's table.
# Skips, saying why, when Python or PyPI is not available.
set -uo pipefail
cd "$(dirname "$0")/../.."
venv=${AGORA_CONFORMANCE_VENV:-.build/conformance-venv}
if [ ! -x "$venv/bin/ckanapi" ]; then
  if ! python3 -m venv "$venv" >/dev/null 2>&1 || ! "$venv/bin/pip" install -q ckanapi >/dev/null 2>&1; then
    echo "ckanapi.sh: skipping: could not install ckanapi into a Python venv (no python3 -m venv or no PyPI)"
    echo "ckanapi: 0 passed, 0 failed (skipped)"
    exit 0
  fi
fi
export PATH="$(cd "$venv" && pwd)/bin:$PATH"
swift build --product agora >/dev/null 2>&1 || { echo "build failed"; echo "ckanapi: 0 passed, 1 failed"; exit 1; }
agora="$(swift build --show-bin-path)/agora"
passed=0; failed=0
check() { # name, then a command that must succeed
  local name=$1; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "not ok: $name"; fi
}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT

port=18471
url="http://127.0.0.1:$port"
"$agora" serve --demo --port "$port" --data "$work/hub" >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -sf "$url/health" >/dev/null && break; sleep 0.5; done

check "status_show" bash -c "ckanapi action status_show -r $url | grep -q ckan_version"
check "package_search with facet.field" bash -c "ckanapi action package_search -r $url 'facet.field:[\"organization\",\"tags\"]' rows=2 | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r[\"count\"] == 12 and len(r[\"results\"]) == 2 and r[\"facets\"][\"organization\"][\"freshmart\"] == 2'"
check "package_show of a missing id is NotFound" bash -c "ckanapi action package_show id=no-such-dataset -r $url 2>&1 | grep -q 'ckanapi.errors.NotFound'"
check "package_show by name" bash -c "ckanapi action package_show id=bus-stops -r $url | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"name\"] == \"bus-stops\" and d[\"resources\"][0][\"datastore_active\"]'"
ckanapi action package_search -r "$url" rows=0 >"$work/count.json" 2>/dev/null
count=$(python3 -c "import json; print(json.load(open('$work/count.json'))['count'])" 2>/dev/null || echo -1)
ckanapi search datasets -r "$url" >"$work/search.jsonl" 2>/dev/null
check "search datasets gives exactly count lines" test "$(wc -l <"$work/search.jsonl")" -eq "$count"
check "dump datasets --all" bash -c "ckanapi dump datasets --all -q -r $url -O $work/datasets.jsonl && test \$(wc -l <$work/datasets.jsonl) -eq $count"
check "dump organizations --all" bash -c "ckanapi dump organizations --all -q -r $url -O $work/organizations.jsonl && test \$(wc -l <$work/organizations.jsonl) -eq 4"
resource=$(ckanapi action package_show id=bus-stops -r "$url" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["id"])' 2>/dev/null)
check "datastore_search with filters and sort" bash -c "ckanapi action datastore_search -r $url resource_id=$resource 'filters:{\"shelter\": true}' sort='stop_id desc' limit=3 | python3 -c 'import json,sys; r=json.load(sys.stdin); ids=[x[\"stop_id\"] for x in r[\"records\"]]; assert len(ids) == 3 and ids == sorted(ids, reverse=True) and r[\"total\"] > 3'"
check "an unknown action is refused" bash -c "ckanapi action package_explode -r $url 2>&1 | grep -qi 'action name not known'"

echo "ckanapi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
