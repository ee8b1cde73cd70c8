#!/usr/bin/env bash
# Harvesting one hub from another through each protocol: `agora harvest add ckan|dcat URL` and
# `agora harvest run` on a second hub copy the demo city; a change and a deletion at the source
# reach the copies on the next run (CKAN's asks only for changes); copies are read-only; bad
# sources (an HTML page, invalid JSON, `next` links that loop) fail the run with a clear record
# instead of looping. Needs python3 for the bad sources' little web server.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/conformance/lib/common.bash
conformance_start harvest

port=18491
url="http://127.0.0.1:$port"
"$agora" serve --demo --port "$port" --data "$work/source" --harvest-every 0 >"$work/source.log" 2>&1 &
pids+=($!)
wait_for_health "$url"
token=$("$agora" token create --admin --data "$work/source" 2>/dev/null)

count_copies() { # data directory, expected active datasets in the harvest publisher
  local n
  n=$(curl -sf "http://127.0.0.1:$2/api/3/action/package_search?fq=organization:$3&rows=0" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["count"])')
  [ "$n" -eq "$4" ]
}

for protocol in ckan dcat; do
  data="$work/$protocol"
  case $protocol in ckan) address="$url"; mport=18492 ;; dcat) address="$url/catalog.jsonld"; mport=18493 ;; esac
  check "$protocol: harvest add" bash -c "'$agora' harvest add $protocol $address --data $data | tail -1 | grep -Eq '^[0-9a-f-]{36}$'"
  check "$protocol: the first run copies all 12 datasets" bash -c "'$agora' harvest run --data $data | grep -q 'ok (full, 1 pages: 12 created'"
  "$agora" serve --port "$mport" --data "$data" --harvest-every 0 >"$work/$protocol.log" 2>&1 &
  pids+=($!)
  wait_for_health "http://127.0.0.1:$mport"
  check "$protocol: the copies are served" count_copies "$data" "$mport" harvest-127-0-0-1-$port 12
  check "$protocol: a copy names its source" bash -c "curl -sf http://127.0.0.1:$mport/api/v1/datasets/bus-stops | grep -q '\"harvested_from\"'"
  mtoken=$("$agora" token create --admin --data "$data" 2>/dev/null)
  check "$protocol: a copy is read-only" bash -c "test \$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H 'Authorization: Bearer $mtoken' -H 'Content-Type: application/json' -d '{\"title\": \"Mine\"}' http://127.0.0.1:$mport/api/v1/datasets/bus-stops) = 409"
done

# Changes at the source: one dataset retitled, one deleted.
curl -sf -X PATCH -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"title": "Bus stops and shelters"}' "$url/api/v1/datasets/bus-stops" >/dev/null
curl -sf -X DELETE -H "Authorization: Bearer $token" "$url/api/v1/datasets/street-trees" >/dev/null
# (Datasets changed within a second of the last run's start are asked for again: the overlap is deliberate.)
check "ckan: the next run asks only for changes and removes the deleted one" bash -c "'$agora' harvest run --data $work/ckan | grep -Eq 'ok \\(changes only, 1 pages: 0 created, 1 updated, [0-9]+ unchanged, 1 deleted'"
check "dcat: the next run updates and removes" bash -c "'$agora' harvest run --data $work/dcat | grep -Eq 'ok \\(full, 1 pages: 0 created, 1 updated, 10 unchanged, 1 deleted'"
for mport in 18492 18493; do
  check "port $mport: the change arrived" bash -c "curl -sf http://127.0.0.1:$mport/api/v1/datasets/bus-stops | grep -q 'Bus stops and shelters'"
  check "port $mport: the deletion arrived (410 Gone)" bash -c "test \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$mport/api/v1/datasets/street-trees) = 410"
done

# The schedule: `agora serve` harvests its sources when it starts and then every --harvest-every minutes.
"$agora" harvest add ckan "$url" --data "$work/scheduled" >/dev/null 2>&1
"$agora" serve --port 18495 --data "$work/scheduled" --harvest-every 60 >"$work/scheduled.log" 2>&1 &
pids+=($!)
wait_for_health "http://127.0.0.1:18495"
scheduled_copies() {
  for _ in $(seq 1 40); do count_copies "$work/scheduled" 18495 harvest-127-0-0-1-$port 11 2>/dev/null && return 0; sleep 0.5; done
  return 1
}
check "agora serve harvests on its schedule" scheduled_copies
check "the scheduled run is logged" grep -q "ok (full, 1 pages: 11 created" "$work/scheduled.log"

# Bad sources, served by a small web server: each run fails with a clear record, and ends.
mkdir -p "$work/bad/api/3/action"
echo '<!doctype html><html><body>Portal maintenance</body></html>' >"$work/bad/api/3/action/package_search"
mkdir -p "$work/badjson/api/3/action"
echo '{"success": true, "result": {"count": 3, "results": [' >"$work/badjson/api/3/action/package_search"
bport=18494
cat >"$work/loop.jsonld" <<JSON
{"@context": {"hydra": "http://www.w3.org/ns/hydra/core#", "dcat": "http://www.w3.org/ns/dcat#"},
 "@graph": [{"@id": "http://127.0.0.1:$bport/loop.jsonld", "@type": "hydra:PartialCollectionView",
             "hydra:next": {"@id": "http://127.0.0.1:$bport/loop2.jsonld"}}]}
JSON
sed "s/loop2.jsonld\"}/loop.jsonld\"}/; s/loop.jsonld\", \"@type/loop2.jsonld\", \"@type/" "$work/loop.jsonld" >"$work/loop2.jsonld"
(cd "$work" && exec python3 -m http.server "$bport" --bind 127.0.0.1 >/dev/null 2>&1) &
pids+=($!)
for _ in $(seq 1 40); do curl -sf "http://127.0.0.1:$bport/loop.jsonld" >/dev/null && break; sleep 0.25; done
"$agora" harvest add ckan "http://127.0.0.1:$bport/bad" --data "$work/bad-hub" >/dev/null 2>&1
"$agora" harvest add ckan "http://127.0.0.1:$bport/badjson" --data "$work/bad-hub" --publisher harvest-127-0-0-1-$bport >/dev/null 2>&1
"$agora" harvest add dcat "http://127.0.0.1:$bport/loop.jsonld" --data "$work/bad-hub" --publisher harvest-127-0-0-1-$bport >/dev/null 2>&1
timeout 60 "$agora" harvest run --data "$work/bad-hub" >"$work/bad.txt" 2>&1
status=$?
check "bad sources: the run ends and reports failure" test "$status" -eq 1
check "an HTML page is named as such" grep -q "answered with an HTML page, not CKAN JSON" "$work/bad.txt"
check "invalid JSON is named as such" grep -q "did not answer with valid JSON" "$work/bad.txt"
check "looping next links are stopped" grep -q "next links loop back to" "$work/bad.txt"
check "the failures are kept with their sources" bash -c "'$agora' harvest list --data $work/bad-hub | grep -c 'failed:' | grep -qx 3"

conformance_finish
