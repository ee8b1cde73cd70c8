import AgoraCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("CKAN Action API (read actions)")
struct CKANTests {
    @Test("the envelope, status_show, and both paths, with GET parameters or a JSON body")
    func envelope() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            for path in ["/api/3/action/status_show", "/api/action/status_show"] {
                let reply = try await client.send(.get, path)
                #expect(reply.status == .ok)
                #expect(reply.json["success"] as? Bool == true)
                #expect((reply.json["help"] as? String)?.hasSuffix("/api/3/action/help_show?name=status_show") == true)
                #expect((reply.json["result"] as? [String: Any])?["ckan_version"] is String)
            }
            let posted = try await client.send(.post, "/api/action/package_show", json: #"{"id": "bus-stops"}"#)
            #expect((posted.json["result"] as? [String: Any])?["name"] as? String == "bus-stops")
            let unknown = try await client.send(.get, "/api/3/action/package_explode")
            #expect(unknown.status == .badRequest)
            #expect(unknown.json["success"] as? Bool == false)
            #expect((unknown.json["error"] as? [String: Any])?["__type"] as? String == "Bad Request")
            #expect(((unknown.json["error"] as? [String: Any])?["message"] as? String)?.contains("package_explode") == true)
        }
    }

    @Test("package_show by name or id, with CKAN's field names; a missing one is a Not Found Error")
    func packageShow() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let reply = try await client.send(.get, "/api/3/action/package_show?id=bus-stops")
            let package = try #require(reply.json["result"] as? [String: Any])
            for field in [
                "id", "name", "title", "notes", "owner_org", "organization", "license_id", "license_title", "tags", "extras", "resources",
                "num_resources", "metadata_created", "metadata_modified", "state", "private", "type",
            ] {
                #expect(package[field] != nil, "\(field)")
            }
            #expect((package["organization"] as? [String: Any])?["name"] as? String == "riverton-council")
            let modified = try #require(package["metadata_modified"] as? String)
            #expect(modified.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$"#, options: .regularExpression) != nil)
            let resource = try #require((package["resources"] as? [[String: Any]])?.first)
            #expect(resource["datastore_active"] as? Bool == true)
            #expect(resource["package_id"] as? String == package["id"] as? String)
            #expect((resource["url"] as? String)?.hasPrefix("http://") == true)
            let id = try #require(package["id"] as? String)
            let byID = try await client.send(.get, "/api/3/action/package_show?id=\(id)")
            #expect((byID.json["result"] as? [String: Any])?["name"] as? String == "bus-stops")
            let missing = try await client.send(.get, "/api/3/action/package_show?id=no-such-thing")
            #expect(missing.status == .notFound)
            #expect((missing.json["error"] as? [String: Any])?["__type"] as? String == "Not Found Error")
        }
    }

    @Test("package_search: q, fq, rows and start, sort, facets; bad parameters are Search Query Errors")
    func packageSearch() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let all = try await client.send(.get, "/api/3/action/package_search?rows=1000")
            let everything = try #require(all.json["result"] as? [String: Any])
            let count = try #require(everything["count"] as? Int)
            #expect(count == 12)
            #expect((everything["results"] as? [Any])?.count == 12)

            var seen: [String] = []
            for start in stride(from: 0, to: count, by: 5) {
                let page = try await client.send(.get, "/api/3/action/package_search?rows=5&start=\(start)")
                seen += ((page.json["result"] as? [String: Any])?["results"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            }
            #expect(seen.count == count)
            #expect(Set(seen).count == count)

            let filtered = try await client.send(
                .get, "/api/3/action/package_search?fq=organization:freshmart&facet.field=%5B%22tags%22,%22organization%22%5D&facet.limit=5"
            )
            let result = try #require(filtered.json["result"] as? [String: Any])
            #expect(result["count"] as? Int == 2)
            let facets = try #require(result["facets"] as? [String: [String: Int]])
            #expect(facets.keys.sorted() == ["organization", "tags"])
            #expect(facets["organization"] == ["freshmart": 2])
            let searchFacets = try #require(result["search_facets"] as? [String: [String: Any]])
            let items = try #require(searchFacets["organization"]?["items"] as? [[String: Any]])
            #expect(items.first?["display_name"] as? String == "FreshMart Supermarkets")

            let text = try await client.send(.get, "/api/3/action/package_search?q=supermarket")
            #expect(
                ((text.json["result"] as? [String: Any])?["results"] as? [[String: Any]])?.first?["name"] as? String
                    == "supermarket-locations")
            let since = try await client.send(.get, "/api/3/action/package_search?fq=metadata_modified:%5B2000-01-01T00:00:00Z%20TO%20*%5D")
            #expect((since.json["result"] as? [String: Any])?["count"] as? Int == 12)
            // Harvesters page oldest change first.
            for (order, ascending) in [("asc", true), ("desc", false)] {
                let page = try await client.send(.get, "/api/3/action/package_search?rows=12&sort=metadata_modified%20\(order)")
                let times = ((page.json["result"] as? [String: Any])?["results"] as? [[String: Any]])?.compactMap {
                    $0["metadata_modified"] as? String
                }
                #expect(times?.count == 12 && times == (ascending ? times?.sorted() : times?.sorted(by: >)))
            }

            for bad in [
                "rows=1001", "fq=author:bob", "sort=random%20asc", "colour=red", "facet.field=%5B%22colour%22%5D", "fq=tags:%22open",
            ] {
                let reply = try await client.send(.get, "/api/3/action/package_search?\(bad)")
                #expect(reply.status == .badRequest, "\(bad)")
                #expect((reply.json["error"] as? [String: Any])?["__type"] as? String == "Search Query Error", "\(bad)")
            }
        }
    }

    @Test("organizations, groups, tags and licences")
    func lists() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let names = try await client.send(.get, "/api/3/action/organization_list")
            #expect(names.json["result"] as? [String] == ["freshmart", "northside-neighbours", "riverton-council", "riverton-rail"])
            let full = try await client.send(.get, "/api/3/action/organization_list?all_fields=true")
            let first = try #require((full.json["result"] as? [[String: Any]])?.first)
            #expect(first["package_count"] as? Int == 2)
            #expect(first["is_organization"] as? Bool == true)
            let show = try await client.send(.get, "/api/3/action/organization_show?id=riverton-rail")
            #expect((show.json["result"] as? [String: Any])?["title"] as? String == "Riverton Rail")
            let tags = try #require(try await client.send(.get, "/api/3/action/tag_list").json["result"] as? [String])
            #expect(tags == tags.sorted() && !tags.isEmpty)
            let licences = try #require(try await client.send(.get, "/api/3/action/license_list").json["result"] as? [[String: Any]])
            #expect(licences.contains { $0["id"] as? String == "CC-BY-4.0" })
            let groups = try #require(try await client.send(.get, "/api/3/action/group_list").json["result"] as? [String])
            #expect(groups.contains("tran"))
        }
    }

    @Test("resource_show, and datastore_search over the table made from a resource")
    func datastore() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let package = try #require(
                try await client.send(.get, "/api/3/action/package_show?id=bus-stops").json["result"] as? [String: Any])
            let resource = try #require((package["resources"] as? [[String: Any]])?.first)
            let id = try #require(resource["id"] as? String)
            let shown = try await client.send(.get, "/api/3/action/resource_show?id=\(id)")
            #expect((shown.json["result"] as? [String: Any])?["datastore_active"] as? Bool == true)
            #expect(try await client.send(.get, "/api/3/action/resource_show?id=nope").status == .notFound)

            let all = try #require(
                try await client.send(.get, "/api/3/action/datastore_search?resource_id=\(id)&limit=5").json["result"] as? [String: Any])
            #expect(all["total"] as? Int == 60)
            #expect((all["records"] as? [Any])?.count == 5)
            let fields = try #require(all["fields"] as? [[String: String]])
            #expect(fields.first == ["id": "stop_id", "type": "text"])
            #expect(fields.contains { $0["id"] == "latitude" && $0["type"] == "numeric" })

            let body =
                #"{"resource_id": "\#(id)", "filters": {"shelter": true}, "sort": "stop_id desc", "fields": ["stop_id", "shelter"], "limit": 3, "offset": 1}"#
            let posted = try #require(
                try await client.send(.post, "/api/action/datastore_search", json: body).json["result"] as? [String: Any])
            let records = try #require(posted["records"] as? [[String: Any]])
            #expect(records.count == 3)
            #expect(records.allSatisfy { $0["shelter"] as? Bool == true && $0.keys.sorted() == ["shelter", "stop_id"] })
            let ids = records.compactMap { $0["stop_id"] as? String }
            #expect(ids == ids.sorted(by: >))
            let first = try #require(
                try await client.send(
                    .post, "/api/action/datastore_search", json: body.replacingOccurrences(of: #""offset": 1"#, with: #""offset": 0"#)
                ).json["result"] as? [String: Any])
            #expect(((first["records"] as? [[String: Any]])?[1]["stop_id"] as? String) == ids.first)

            let bad = try await client.send(.get, "/api/3/action/datastore_search?resource_id=\(id)&filters=%7B%22colour%22:1%7D")
            #expect(bad.status == .conflict)
            #expect((bad.json["error"] as? [String: Any])?["__type"] as? String == "Validation Error")
            #expect(try await client.send(.get, "/api/3/action/datastore_search?resource_id=missing").status == .notFound)
        }
    }

    @Test("writes: organization_create, package_create/patch/update/delete, resource_create/patch/delete, with CKAN's auth")
    func writes() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let anonymous = try await client.send(.post, "/api/3/action/package_create", json: #"{"name": "x"}"#)
            #expect(anonymous.status == .forbidden)
            #expect((anonymous.json["error"] as? [String: Any])?["__type"] as? String == "Authorization Error")

            let raw: HTTPFields = [.authorization: hub.adminToken]
            let org = try await client.send(
                .post, "/api/action/organization_create", json: #"{"name": "harbour-board", "title": "Harbour Board"}"#, headers: raw)
            #expect(org.status == .ok)
            let orgID = try #require((org.json["result"] as? [String: Any])?["id"] as? String)

            let create = """
                {"name": "tide-gauges", "title": "Tide gauges", "notes": "Sea level every minute", "owner_org": "\(orgID)",
                 "license_id": "CC-BY-4.0", "tags": [{"name": "sea"}, {"name": "tides"}], "groups": [{"name": "envi"}],
                 "extras": [{"key": "frequency", "value": "continuous"}],
                 "resources": [{"name": "Readings", "url": "https://harbour.example/tides.csv", "format": "CSV"}],
                 "metadata_created": "2020-01-01T00:00:00.000000", "num_resources": 1}
                """
            let created = try await client.send(.post, "/api/action/package_create", json: create, headers: raw)
            #expect(created.status == .ok, "\(created.body)")
            let package = try #require(created.json["result"] as? [String: Any])
            #expect(package["owner_org"] as? String == orgID)
            #expect((package["tags"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["sea", "tides"])
            #expect((package["groups"] as? [[String: Any]])?.first?["name"] as? String == "envi")
            #expect((package["resources"] as? [Any])?.count == 1)

            let key: HTTPFields = [HTTPFields.Element.Name("X-CKAN-API-Key")!: hub.adminToken]
            let patched = try await client.send(
                .post, "/api/action/package_patch", json: #"{"id": "tide-gauges", "notes": "Every minute"}"#, headers: key)
            let afterPatch = try #require(patched.json["result"] as? [String: Any])
            #expect(afterPatch["notes"] as? String == "Every minute")
            #expect(afterPatch["title"] as? String == "Tide gauges")

            let updated = try await client.send(
                .post, "/api/action/package_update",
                json: #"{"id": "tide-gauges", "title": "Tide gauges (harbour)", "owner_org": "harbour-board", "license_id": "CC-BY-4.0"}"#,
                headers: raw)
            let afterUpdate = try #require(updated.json["result"] as? [String: Any])
            #expect(afterUpdate["title"] as? String == "Tide gauges (harbour)")
            #expect((afterUpdate["resources"] as? [Any])?.count == 1)

            let resource = try await client.send(
                .post, "/api/action/resource_create",
                json: #"{"package_id": "tide-gauges", "name": "Stations", "url": "https://harbour.example/stations.csv", "format": "CSV"}"#,
                headers: raw)
            let resourceID = try #require((resource.json["result"] as? [String: Any])?["id"] as? String)
            let renamed = try await client.send(
                .post, "/api/action/resource_patch", json: #"{"id": "\#(resourceID)", "name": "Gauge stations"}"#, headers: raw)
            #expect((renamed.json["result"] as? [String: Any])?["name"] as? String == "Gauge stations")
            #expect((renamed.json["result"] as? [String: Any])?["url"] as? String == "https://harbour.example/stations.csv")
            #expect(
                try await client.send(.post, "/api/action/resource_delete", json: #"{"id": "\#(resourceID)"}"#, headers: raw).status == .ok)
            #expect(try await client.send(.get, "/api/action/resource_show?id=\(resourceID)").status == .notFound)

            let invalid = try await client.send(
                .post, "/api/action/package_create",
                json: #"{"name": "bad-licence", "owner_org": "harbour-board", "title": "Bad", "license_id": "made-up"}"#,
                headers: raw)
            #expect(invalid.status == .conflict)
            #expect((invalid.json["error"] as? [String: Any])?["__type"] as? String == "Validation Error")

            #expect(try await client.send(.post, "/api/action/package_delete", json: #"{"id": "tide-gauges"}"#, headers: raw).status == .ok)
            #expect(try await client.send(.get, "/api/action/package_show?id=tide-gauges").status == .notFound)
        }
    }
}
