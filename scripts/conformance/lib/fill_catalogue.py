"""Fills a hub with N generated datasets through CKAN's package_create, varied enough to exercise
every DCAT mapping: tags, themes, licences, frequencies, contact points, temporal and spatial
coverage, provenance, and resources with sizes and checksums. Standard library only."""
import json
import sys
import urllib.request

url, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])


def action(name, body):
    request = urllib.request.Request(
        f"{url}/api/3/action/{name}", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": token})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["result"]


licences = ["CC-BY-4.0", "CC0-1.0", "OGL-UK-3.0", "ODbL-1.0", "CC-BY-SA-4.0"]
themes = ["transport", "environment", "economy", "health", "education"]
groups = {"transport": "tran", "environment": "envi", "economy": "econ", "health": "heal", "education": "educ"}
frequencies = ["daily", "weekly", "monthly", "annual", "irregular"]
for org in range(5):
    action("organization_create", {"name": f"generated-{org}", "title": f"Generated publisher {org}"})
for i in range(count):
    theme = themes[i % 5]
    extras = [{"key": "frequency", "value": frequencies[i % 5]}]
    if i % 3 == 0:
        extras += [{"key": "temporal_start", "value": "2024-01-01"}, {"key": "temporal_end", "value": "2024-12-31"}]
    if i % 4 == 0:
        extras.append({"key": "provenance", "value": f"Collected by survey {i}"})
    if i % 7 == 0:
        extras.append({"key": "spatial_text", "value": f"Ward {i % 20}"})
    resources = [{"name": f"Data {i}", "url": f"https://data.example/{i}.csv", "format": "CSV",
                  "mimetype": "text/csv", "size": 1000 + i, "hash": f"{i:064x}"}]
    if i % 2:
        resources.append({"name": "Documentation", "url": f"https://data.example/{i}.html", "format": "HTML"})
    action("package_create", {
        "name": f"generated-{i:04d}", "title": f"Generated dataset {i} about {theme}",
        "notes": "" if i % 10 == 0 else f"Dataset number {i}, with <tags> & \"quotes\" and a line\nbreak.",
        "owner_org": f"generated-{i % 5}", "license_id": licences[i % 5],
        "tags": [{"name": theme}, {"name": f"batch-{i % 13}"}], "groups": [{"name": groups[theme]}],
        "maintainer": f"Team {i % 9}", "maintainer_email": f"team{i % 9}@data.example",
        "extras": extras, "resources": resources,
    })
