#!/usr/bin/env bash
# Frictionless's own validator against every demo dataset's Data Package (/dataset/SLUG/datapackage.json):
# each must be VALID (schema, types and checksums against the data served); and a package whose
# schema is deliberately wrong must be INVALID, so the check can fail. Skips, saying why, when
# Python or PyPI is not available.
set -uo pipefail
cd "$(dirname "$0")/../.."
venv=${AGORA_FRICTIONLESS_VENV:-.build/conformance-frictionless-venv}
if [ ! -x "$venv/bin/frictionless" ]; then
  if ! python3 -m venv "$venv" >/dev/null 2>&1 || ! "$venv/bin/pip" install -q frictionless >/dev/null 2>&1; then
    echo "frictionless.sh: skipping: could not install frictionless into a Python venv (no python3 -m venv or no PyPI)"
    echo "frictionless: 0 passed, 0 failed (skipped)"
    exit 0
  fi
fi
frictionless="$(cd "$venv" && pwd)/bin/frictionless"
swift build --product agora >/dev/null 2>&1 || { echo "build failed"; echo "frictionless: 0 passed, 1 failed"; exit 1; }
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

port=18481
url="http://127.0.0.1:$port"
"$agora" serve --demo --port "$port" --data "$work/hub" >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -sf "$url/health" >/dev/null && break; sleep 0.5; done

slugs=$(curl -sf "$url/api/v1/datasets?per_page=100" | python3 -c 'import json,sys; print(" ".join(d["slug"] for d in json.load(sys.stdin)["results"]))')
for slug in $slugs; do
  # Validating reads every resource; one that lives elsewhere would need the internet.
  if curl -sf "$url/dataset/$slug/datapackage.json" | python3 -c "import json,sys; sys.exit(0 if all(r['path'].startswith('$url') for r in json.load(sys.stdin)['resources']) else 1)"; then :; else
    echo "frictionless.sh: skipping $slug: its resources link to other sites"
    continue
  fi
  check "$slug: frictionless validate says VALID" bash -c "'$frictionless' validate --json '$url/dataset/$slug/datapackage.json' | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r[\"valid\"], r'"
done
curl -sf -o "$work/package.zip" "$url/dataset/housing-sales-2025/datapackage.zip"
check "the zip download unpacks and validates" bash -c "cd '$work' && python3 -c 'import zipfile; z = zipfile.ZipFile(\"package.zip\"); assert z.testzip() is None; z.extractall(\"unzipped\")' && cd unzipped && '$frictionless' validate --json datapackage.json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r[\"valid\"], r'"
curl -sf "$url/dataset/housing-sales-2025/datapackage.json" | python3 -c '
import json, sys
package = json.load(sys.stdin)
for field in package["resources"][0]["schema"]["fields"]:
    if field["type"] == "string":
        field["type"] = "integer"
print(json.dumps(package))' >"$work/broken.json"
check "a package with a wrong schema is INVALID" bash -c "! '$frictionless' validate --json '$work/broken.json' | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)[\"valid\"] else 1)'"

echo "frictionless: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
