#!/usr/bin/env bash
# Frictionless's own validator against every demo dataset's Data Package (/dataset/SLUG/datapackage.json):
# each must be VALID (schema, types and checksums against the data served); and a package whose
# schema is deliberately wrong must be INVALID, so the check can fail. Skips, saying why, when
# Python or PyPI is not available.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/conformance/lib/common.bash
runner=frictionless
python_client "${AGORA_FRICTIONLESS_VENV:-.build/conformance-frictionless-venv}" frictionless frictionless
frictionless="$(command -v frictionless)"
conformance_start frictionless

port=18481
url="http://127.0.0.1:$port"
"$agora" serve --demo --port "$port" --data "$work/hub" >"$work/serve.log" 2>&1 &
pids+=($!)
wait_for_health "$url"

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

conformance_finish
