import AgoraCore
import AgoraHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Native API")
struct APITests {
    let datasetJSON = """
        {"slug":"noise-levels","publisher":"riverton-council","title":"Noise levels","description":"Street noise",
         "licence":"CC-BY-4.0","tags":["noise"],"themes":["ENVI"],
         "distributions":[{"title":"Noise CSV","url":"https://riverton.example/noise.csv","media_type":"text/csv"}]}
        """

    @Test("health, metrics and CORS")
    func system() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let health = try await client.send(.get, "/health")
            #expect(health.status == .ok)
            #expect(health.json["status"] as? String == "ok")
            let read = try await client.send(.get, "/api/v1/datasets", headers: [.origin: "https://elsewhere.example"])
            #expect(read.headers[.accessControlAllowOrigin] == "*")
            let missing = try await client.send(.get, "/api/v1/datasets/nope", headers: [.origin: "https://elsewhere.example"])
            #expect(missing.status == .notFound)
            #expect(missing.headers[.accessControlAllowOrigin] == "*", "problem answers carry CORS headers")
            let metrics = try await client.send(.get, "/metrics")
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(metrics.body.contains("agora_http_requests_total{method=\"GET\",route=\"/api/v1/datasets\",status=\"200\"} 1"))
            #expect(
                metrics.body.contains(
                    "agora_http_request_duration_seconds_bucket{method=\"GET\",route=\"/health\",status=\"200\",le=\"+Inf\"} 1"))
        }
    }

    @Test("the OpenAPI document describes every route, and nothing that is not served")
    func openAPICoversRoutes() async throws {
        let hub = try await HubFixture(demo: false)
        let (_, served) = AgoraApp.buildRouter(hub.services)
        let documented = AgoraApp.documentedRoutes
        let missing = Set(served).subtracting(documented)
        let stale = documented.subtracting(served)
        #expect(missing.isEmpty, "routes missing from openapi.json: \(missing)")
        #expect(stale.isEmpty, "openapi.json describes routes that are not served: \(stale)")
        try await hub.app.test(.router) { client in
            let doc = try await client.send(.get, "/api/v1/openapi.json")
            #expect(doc.json["openapi"] as? String == "3.1.0")
            let paths = doc.json["paths"] as? [String: [String: Any]] ?? [:]
            for route in served {
                #expect(paths[route.path]?[route.method.lowercased()] != nil, "\(route.method) \(route.path)")
            }
        }
    }

    @Test("search with facets, filters, sort and paging")
    func search() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let all = try await client.send(.get, "/api/v1/datasets?per_page=5&sort=title")
            #expect(all.status == .ok)
            #expect(all.json["count"] as? Int == 12)
            let results = all.json["results"] as? [[String: Any]] ?? []
            #expect(results.count == 5)
            #expect(results.first?["title"] as? String == "Air quality readings")
            let facets = all.json["facets"] as? [String: [[String: Any]]] ?? [:]
            #expect(Set(facets.keys) == ["publisher", "tag", "theme", "licence", "format", "open"])
            #expect(facets["publisher"]?.first?["label"] as? String == "Riverton City Council")

            let rail = try await client.send(.get, "/api/v1/datasets?q=rail&publisher=riverton-rail&tag=punctuality")
            #expect((rail.json["results"] as? [[String: Any]])?.map { $0["slug"] as? String } == ["rail-punctuality"])
            let notOpen = try await client.send(.get, "/api/v1/datasets?open=false")
            #expect(notOpen.json["count"] as? Int == 2)
            let page2 = try await client.send(.get, "/api/v1/datasets?per_page=5&page=3&sort=title")
            #expect((page2.json["results"] as? [Any])?.count == 2)
        }
    }

    @Test("bad search parameters are named")
    func badSearch() async throws {
        let hub = try await HubFixture(demo: false)
        try await hub.app.test(.router) { client in
            let unknown = try await client.send(.get, "/api/v1/datasets?q=air&colour=blue")
            #expect(unknown.status == .badRequest)
            #expect(problemFields(unknown) == ["colour"])
            #expect(unknown.headers[.contentType] == "application/problem+json")
            for (query, field) in [
                ("per_page=1000", "per_page"), ("page=0", "page"), ("sort=price", "sort"), ("open=maybe", "open"),
                ("modified_since=yesterday", "modified_since"),
            ] {
                let reply = try await client.send(.get, "/api/v1/datasets?\(query)")
                #expect(reply.status == .badRequest, "\(query)")
                #expect(problemFields(reply) == [field], "\(query)")
            }
        }
    }

    @Test("create, read, replace, patch and delete a dataset over HTTP")
    func lifecycle() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let created = try await client.send(.post, "/api/v1/datasets", token: hub.editorToken, json: datasetJSON)
            #expect(created.status == .created)
            #expect(created.headers[.location] == "/api/v1/datasets/noise-levels")
            #expect(created.json["open"] as? Bool == true)

            // A client may send back what it read: read-only fields are accepted and ignored.
            let patched = try await client.send(
                .patch, "/api/v1/datasets/noise-levels", token: hub.editorToken,
                json: #"{"title":"Noise levels by street","landing_page":null,"created":"1999-01-01T00:00:00Z","open":false}"#)
            #expect(patched.status == .ok)
            #expect(patched.json["title"] as? String == "Noise levels by street")
            #expect(patched.json["tags"] as? [String] == ["noise"])
            #expect(patched.json["open"] as? Bool == true)

            var document = try await client.send(.get, "/api/v1/datasets/noise-levels").json
            document["description"] = "Street noise, measured hourly"
            let body = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
            let replaced = try await client.send(.put, "/api/v1/datasets/noise-levels", token: hub.editorToken, json: body)
            #expect(replaced.status == .ok, "\(replaced.body)")
            #expect(replaced.json["description"] as? String == "Street noise, measured hourly")

            let history = try await client.send(.get, "/api/v1/datasets/noise-levels/history")
            #expect((history.json["results"] as? [[String: Any]])?.map { $0["op"] as? String } == ["update", "update", "create"])

            let deleted = try await client.send(.delete, "/api/v1/datasets/noise-levels", token: hub.editorToken)
            #expect(deleted.status == .noContent)
            #expect(try await client.send(.get, "/api/v1/datasets/noise-levels").status == .gone)
            #expect(try await client.send(.get, "/api/v1/datasets/noise-levels/history").status == .ok)
        }
    }

    @Test("bad writes get the right status and say what is wrong, and write nothing")
    func badWrites() async throws {
        let hub = try await HubFixture(maxBodyBytes: 4096)
        try await hub.app.test(.router) { client in
            let head = try await hub.services.store.headSeq()
            let anonymous = try await client.send(.post, "/api/v1/datasets", json: datasetJSON)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(try await client.send(.post, "/api/v1/datasets", token: "agora_nonsense", json: datasetJSON).status == .unauthorized)
            #expect(try await client.send(.post, "/api/v1/datasets", token: hub.outsiderToken, json: datasetJSON).status == .forbidden)

            let invalid = try await client.send(
                .post, "/api/v1/datasets", token: hub.editorToken, json: "{\"title\": \"x\",\n \"tags\": [1,}")
            #expect(invalid.status == .badRequest)
            #expect(invalid.json["detail"] as? String ?? "" ~= "line 2")

            let unknown = try await client.send(
                .post, "/api/v1/datasets", token: hub.editorToken,
                json: #"{"publisher":"riverton-council","title":"X","colour":"red","contact_point":{"phone":"1"}}"#)
            #expect(unknown.status == .badRequest)
            #expect(problemFields(unknown) == ["colour", "contact_point.phone"])

            let wrongType = try await client.send(
                .post, "/api/v1/datasets", token: hub.editorToken, json: #"{"publisher":"riverton-council","title":"X","tags":"noise"}"#)
            #expect(wrongType.status == .badRequest)
            #expect(problemFields(wrongType) == ["tags"])

            let licence = try await client.send(
                .post, "/api/v1/datasets", token: hub.editorToken,
                json: #"{"publisher":"riverton-council","title":"X","licence":"all-rights-reserved"}"#)
            #expect(licence.status == .unprocessableContent)
            #expect((licence.json["detail"] as? String)?.contains("/api/v1/licences") == true)

            let pathSlug = try await client.send(
                .post, "/api/v1/datasets", token: hub.editorToken, json: #"{"slug":"a/../b","publisher":"riverton-council","title":"X"}"#)
            #expect(pathSlug.status == .unprocessableContent)
            #expect(problemFields(pathSlug) == ["slug"])

            let duplicate = try await client.send(
                .post, "/api/v1/datasets", token: hub.editorToken, json: #"{"slug":"bus-stops","publisher":"riverton-council","title":"X"}"#
            )
            #expect(duplicate.status == .conflict)

            let huge = "{\"publisher\":\"riverton-council\",\"title\":\"X\",\"description\":\"\(String(repeating: "a", count: 5000))\"}"
            #expect(try await client.send(.post, "/api/v1/datasets", token: hub.editorToken, json: huge).status == .contentTooLarge)

            let notJSON = try await client.send(
                .post, "/api/v1/publishers", token: hub.adminToken, body: ByteBuffer(string: "title=x"),
                headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(notJSON.status == .unsupportedMediaType)
            #expect(try await client.send(.get, "/api/v1/nothing-here").status == .notFound)
            #expect(try await client.send(.get, "/api/v1/datasets/UPPER%2Fcase").status == .notFound)
            #expect(try await hub.services.store.headSeq() == head)
        }
    }

    @Test("upload a file, download it back with its checksum; oversized uploads are refused")
    func uploadDownload() async throws {
        let hub = try await HubFixture(maxUploadBytes: 64 * 1024)
        try await hub.app.test(.router) { client in
            let csv = "name,value\nfirst,1\nsecond,2\n"
            let uploaded = try await client.send(
                .post, "/api/v1/datasets/bus-stops/distributions?file_name=extra.csv&title=Extra%20stops", token: hub.editorToken,
                body: ByteBuffer(string: csv), headers: [.contentType: "text/csv"])
            #expect(uploaded.status == .created, "\(uploaded.body)")
            #expect(uploaded.json["checksum"] as? String == SHA256Hex.of(csv))
            #expect(uploaded.json["byte_size"] as? Int == csv.utf8.count)
            #expect(uploaded.json["format"] as? String == "CSV")
            let url = try #require(uploaded.json["url"] as? String)
            let download = try await client.send(.get, url)
            #expect(download.status == .ok)
            #expect(download.body == csv)
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"extra.csv\"")
            #expect(download.headers[.contentType] == "text/csv")

            let head = try await hub.services.store.headSeq()
            let big = ByteBuffer(repeating: UInt8(ascii: "x"), count: 70 * 1024)
            let tooBig = try await client.send(
                .post, "/api/v1/datasets/bus-stops/distributions?file_name=big.csv", token: hub.editorToken, body: big,
                headers: [.contentType: "text/csv"])
            #expect(tooBig.status == .contentTooLarge)
            #expect(try await hub.services.store.headSeq() == head)
            let tmp = hub.services.blobs.root.appendingPathComponent("tmp")
            #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty, "no partial file is left behind")

            let outsider = try await client.send(
                .post, "/api/v1/datasets/bus-stops/distributions?file_name=x.csv", token: hub.outsiderToken,
                body: ByteBuffer(string: csv + "refused"), headers: [.contentType: "text/csv"])
            #expect(outsider.status == .forbidden)
            let stored = try FileManager.default.subpathsOfDirectory(atPath: hub.services.blobs.root.appendingPathComponent("sha256").path)
            #expect(stored.contains { $0.hasSuffix(SHA256Hex.of(csv)) })
            #expect(!stored.contains { $0.hasSuffix(SHA256Hex.of(csv + "refused")) }, "a refused upload stores nothing")

            let link = try await client.send(
                .post, "/api/v1/datasets/bus-stops/distributions", token: hub.editorToken,
                json: #"{"title":"Live feed","url":"https://riverton.example/stops.json","media_type":"application/json"}"#)
            #expect(link.status == .created)
            let linkID = try #require(link.json["id"] as? String)
            let redirect = try await client.send(.get, "/api/v1/datasets/bus-stops/distributions/\(linkID)/download")
            #expect(redirect.status == .found)
            #expect(redirect.headers[.location] == "https://riverton.example/stops.json")
        }
    }

    @Test("publishers, members and tokens over HTTP")
    func people() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let created = try await client.send(
                .post, "/api/v1/publishers", token: hub.adminToken, json: #"{"title":"Harbour Board","kind":"organisation"}"#)
            #expect(created.status == .created)
            #expect(created.json["slug"] as? String == "harbour-board")
            #expect(
                try await client.send(.post, "/api/v1/publishers", token: hub.editorToken, json: #"{"title":"Mine"}"#).status == .forbidden)

            let account = try await client.send(
                .post, "/api/v1/accounts", token: hub.adminToken, json: #"{"name":"hana","display_name":"Hana"}"#)
            #expect(account.status == .created)
            let token = try await client.send(.post, "/api/v1/accounts/hana/tokens", token: hub.adminToken, json: #"{"label":"laptop"}"#)
            let secret = try #require(token.json["token"] as? String)
            #expect(try await client.send(.get, "/api/v1/accounts/me", token: secret).json["account"] != nil)
            #expect(
                try await client.send(.post, "/api/v1/datasets", token: secret, json: #"{"publisher":"harbour-board","title":"Tides"}"#)
                    .status == .forbidden)
            let member = try await client.send(
                .put, "/api/v1/publishers/harbour-board/members/hana", token: hub.adminToken, json: #"{"role":"editor"}"#)
            #expect(member.status == .ok)
            #expect(
                try await client.send(.post, "/api/v1/datasets", token: secret, json: #"{"publisher":"harbour-board","title":"Tides"}"#)
                    .status == .created)
            let badRole = try await client.send(
                .put, "/api/v1/publishers/harbour-board/members/hana", token: hub.adminToken, json: #"{"role":"owner"}"#)
            #expect(badRole.status == .badRequest)
            #expect(try await client.send(.post, "/api/v1/accounts/eddie/tokens", token: secret, json: "{}").status == .forbidden)
            let listed = try await client.send(.get, "/api/v1/accounts/hana/tokens", token: secret)
            let tokenID = try #require((listed.json["results"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(!listed.body.contains(secret), "token listings never show secrets")
            #expect(try await client.send(.get, "/api/v1/accounts/eddie/tokens", token: secret).status == .forbidden)
            #expect(try await client.send(.delete, "/api/v1/accounts/hana/tokens/\(tokenID)", token: hub.adminToken).status == .noContent)
            #expect(try await client.send(.get, "/api/v1/accounts/me", token: secret).status == .unauthorized, "a revoked token is refused")
            let members = try await client.send(.get, "/api/v1/publishers/harbour-board/members")
            #expect((members.json["results"] as? [[String: Any]])?.first?["role"] as? String == "editor")
        }
    }
}

extension String {
    static func ~= (text: String, fragment: String) -> Bool { text.contains(fragment) }
}
