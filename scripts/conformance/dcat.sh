#!/usr/bin/env bash
# DCAT-AP 3 against the EU's SHACL shapes with pyshacl (from PyPI, in a venv under .build): the demo
# city's catalogue in Turtle (with the offline vocabulary as a second data graph, as
# ../shared/conformance/dcat-ap says), JSON-LD and RDF/XML; a 1,000-dataset catalogue gathered by
# following its hydra `next` links; and a deliberately broken catalogue that must not conform, so
# the check can fail. Needs ../shared/conformance/dcat-ap (the shapes); skips, saying so, where it
# is absent or Python/PyPI is not available.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/conformance/lib/common.bash
runner=dcat
shapes_dir="$(pwd)/../shared/conformance/dcat-ap"
if [ ! -f "$shapes_dir/shapes-3.0.1/merged-base+range.ttl" ]; then
  echo "dcat: skipping: the DCAT-AP shapes are not at ../shared/conformance/dcat-ap"
  echo "dcat: 0 passed, 0 failed (skipped)"
  exit 0
fi
python_client "${AGORA_CONFORMANCE_SHACL_VENV:-.build/conformance-shacl-venv}" pyshacl pyshacl
conformance_start dcat
shapes="$shapes_dir/shapes-3.0.1/merged-base+range.ttl"
background="$shapes_dir/vocab/local-background.ttl"

conforms() { # data format, file, then any extra data graphs
  local format=$1; shift
  pyshacl -s "$shapes" -df "$format" "$@" >"$work/report.txt" 2>&1
  grep -q "Conforms: True" "$work/report.txt"
}

port=18481
url="http://127.0.0.1:$port"
"$agora" serve --demo --port "$port" --data "$work/hub" >"$work/serve.log" 2>&1 &
pids+=($!)
wait_for_health "$url"

curl -sf "$url/catalog.ttl" -o "$work/catalog.ttl"
curl -sf "$url/catalog.jsonld" -o "$work/catalog.jsonld"
curl -sf "$url/catalog.rdf" -o "$work/catalog.rdf"
check "demo catalogue (Turtle) conforms" conforms turtle "$work/catalog.ttl" "$background"
check "demo catalogue (JSON-LD) conforms" conforms json-ld "$work/catalog.jsonld"
check "demo catalogue (RDF/XML) conforms" conforms xml "$work/catalog.rdf"
check "the three serializations hold the same triples" python3 - "$work" <<'PY'
import sys, rdflib
from rdflib.compare import isomorphic
work = sys.argv[1]
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
graphs = [rdflib.Graph().parse(f"{work}/catalog.{ext}", format=fmt)
          for ext, fmt in (("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml"))]
for g in graphs:  # the paging view names each format's own page
    for view in list(g.subjects(rdflib.RDF.type, HYDRA.PartialCollectionView)):
        g.remove((view, None, None))
assert len(graphs[0]) > 100 and isomorphic(graphs[0], graphs[1]) and isomorphic(graphs[0], graphs[2])
PY
check "Accept: text/turtle on /catalog" bash -c "curl -sf -H 'Accept: text/turtle' -D - $url/catalog -o /dev/null | grep -qi 'content-type: text/turtle'"
check "a dataset as JSON-LD by Accept conforms" bash -c "curl -sf -H 'Accept: application/ld+json' $url/dataset/bus-stops -o $work/bus.jsonld && pyshacl -s $shapes -df json-ld $work/bus.jsonld | grep -q 'Conforms: True'"
check "a dataset as Turtle by suffix names its distributions" bash -c "curl -sf $url/dataset/bus-stops.ttl | grep -q 'dcat:downloadURL'"
check "a page past the end is a 404 problem" bash -c "test \$(curl -s -o /dev/null -w '%{http_code}' '$url/catalog.ttl?page=99') = 404"
check "a bad modified_since is a 400 problem" bash -c "curl -s '$url/catalog.ttl?modified_since=yesterday' | grep -q modified_since"

# The broken catalogue: the catalogue's title removed and a licence left untyped.
python3 - "$work/catalog.ttl" "$work/broken.ttl" <<'PY'
import sys, rdflib
from rdflib.namespace import DCTERMS, RDF, DCAT
g = rdflib.Graph().parse(sys.argv[1], format="turtle")
for catalog in g.subjects(RDF.type, DCAT.Catalog):
    g.remove((catalog, DCTERMS.title, None))
for licence in g.subjects(RDF.type, DCTERMS.LicenseDocument):
    g.remove((licence, RDF.type, DCTERMS.LicenseDocument))
g.serialize(sys.argv[2], format="turtle")
PY
check "a broken catalogue does not conform" bash -c "! pyshacl -s $shapes -df turtle $work/broken.ttl >$work/broken.txt 2>&1 && grep -q 'Conforms: False' $work/broken.txt && grep -q 'dct:title\|terms/title' $work/broken.txt"

# A generated 1,000-dataset catalogue, gathered page by page through hydra.
token=$("$agora" token create --admin --data "$work/hub" 2>/dev/null)
check "1,000 datasets created through package_create" python3 scripts/conformance/lib/fill_catalogue.py "$url" "$token" 1000
check "hydra paging gathers every dataset once" python3 - "$url" "$work/all.ttl" <<'PY'
import sys, rdflib
from rdflib.namespace import RDF, DCAT
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
url, out = sys.argv[1], sys.argv[2]
merged, page, seen, total = rdflib.Graph(), f"{url}/catalog.ttl", set(), None
while page:
    assert page not in seen, "paging loops"
    seen.add(page)
    g = rdflib.Graph().parse(page, format="turtle")
    merged += g
    view = next(g.subjects(RDF.type, HYDRA.PartialCollectionView))
    total = int(g.value(view, HYDRA.totalItems))
    page = g.value(view, HYDRA.next)
    page = str(page) if page else None
datasets = set(merged.subjects(RDF.type, DCAT.Dataset))
assert len(datasets) == total >= 1000, (len(datasets), total)
merged.serialize(out, format="turtle")
PY
check "the 1,000-dataset catalogue conforms" conforms turtle "$work/all.ttl" "$background"

conformance_finish
