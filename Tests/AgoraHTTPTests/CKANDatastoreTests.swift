import AgoraCore
import AgoraPeople
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("CKAN DataStore and uploads")
struct CKANDatastoreTests {
    static func multipart(boundary: String, fields: [(String, String)], file: (name: String, bytes: String)?) -> ByteBuffer {
        var body = ""
        for (name, value) in fields {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        if let file {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"\(file.name)\"\r\n"
            body += "Content-Type: text/csv\r\n\r\n\(file.bytes)\r\n"
        }
        body += "--\(boundary)--\r\n"
        return ByteBuffer(string: body)
    }

    @Test("resource_create with a multipart upload stores the file and loads it into the datastore")
    func multipartUpload() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            // A boundary-like line inside the file must not end it early.
            let csv = "gauge,level\nPier,2.5\n--not-the-boundary,1\nLock,1.75\n"
            let boundary = "XyZ-boundary-42"
            let reply = try await client.send(
                .post, "/api/3/action/resource_create",
                body: Self.multipart(
                    boundary: boundary, fields: [("package_id", "bus-stops"), ("name", "Levels"), ("description", "Tide levels")],
                    file: ("levels.csv", csv)),
                headers: [.authorization: hub.adminToken, .contentType: "multipart/form-data; boundary=\(boundary)"])
            #expect(reply.status == .ok, "\(reply.body)")
            let resource = try #require(reply.json["result"] as? [String: Any])
            #expect(resource["datastore_active"] as? Bool == true)
            #expect(resource["url_type"] as? String == "upload")
            #expect(resource["size"] as? Int == csv.utf8.count)
            #expect(resource["description"] as? String == "Tide levels")
            let id = try #require(resource["id"] as? String)
            let search = try await client.send(.get, "/api/3/action/datastore_search?resource_id=\(id)&sort=level%20desc")
            let records = try #require((search.json["result"] as? [String: Any])?["records"] as? [[String: Any]])
            #expect(records.map { $0["gauge"] as? String } == ["Pier", "Lock", "--not-the-boundary"])
            let download = try await client.send(.get, "/api/v1/datasets/bus-stops/distributions/\(id)/download")
            #expect(download.body == csv)

            let unclosed = try await client.send(
                .post, "/api/3/action/resource_create",
                body: ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"package_id\"\r\n\r\nbus-stops"),
                headers: [.authorization: hub.adminToken, .contentType: "multipart/form-data; boundary=\(boundary)"])
            #expect(unclosed.status == .badRequest)
            #expect(((unclosed.json["error"] as? [String: Any])?["message"] as? String)?.contains("closing boundary") == true)
            let form = try await client.send(
                .post, "/api/3/action/package_show", body: ByteBuffer(string: "id=bus-stops"),
                headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect((form.json["result"] as? [String: Any])?["name"] as? String == "bus-stops")
        }
    }

    @Test("datastore_create, upsert, search (distinct, lists), delete and search_sql over HTTP, with CKAN's errors")
    func datastore() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let auth: HTTPFields = [.authorization: hub.adminToken]
            let made = try await client.send(
                .post, "/api/3/action/datastore_create",
                json: #"""
                    {"resource": {"package_id": "bus-stops", "name": "Stations"},
                     "fields": [{"id": "code", "type": "text"}, {"id": "line", "type": "text"}, {"id": "depth", "type": "numeric"}],
                     "primary_key": ["code"],
                     "records": [{"code": "001", "line": "A", "depth": 4}, {"code": "002", "line": "A", "depth": 2.5},
                                 {"code": "003", "line": "B", "depth": 1}]}
                    """#, headers: auth)
            #expect(made.status == .ok, "\(made.body)")
            let id = try #require((made.json["result"] as? [String: Any])?["resource_id"] as? String)
            let resource = try await client.send(.get, "/api/3/action/resource_show?id=\(id)")
            let shownURL = (resource.json["result"] as? [String: Any])?["url"] as? String
            #expect(shownURL?.hasSuffix("/datastore/dump/\(id)") == true, "\(shownURL ?? "none")")
            let dump = try await client.send(.get, "/datastore/dump/\(id)")
            #expect(dump.body == "code,line,depth\r\n001,A,4.0\r\n002,A,2.5\r\n003,B,1.0\r\n")

            let upsert = try await client.send(
                .post, "/api/3/action/datastore_upsert",
                json: #"{"resource_id": "\#(id)", "records": [{"code": "002", "depth": 3}, {"code": "004", "line": "C", "depth": 7}]}"#,
                headers: auth)
            #expect(upsert.status == .ok)
            let insertAgain = try await client.send(
                .post, "/api/3/action/datastore_upsert",
                json: #"{"resource_id": "\#(id)", "method": "insert", "records": [{"code": "001"}]}"#,
                headers: auth)
            #expect(insertAgain.status == .conflict)
            #expect((insertAgain.json["error"] as? [String: Any])?["__type"] as? String == "Validation Error")
            let anonymous = try await client.send(
                .post, "/api/3/action/datastore_upsert", json: #"{"resource_id": "\#(id)", "records": []}"#)
            #expect(anonymous.status == .forbidden)

            let lists = try await client.send(
                .post, "/api/3/action/datastore_search",
                json: #"{"resource_id": "\#(id)", "sort": "depth desc", "records_format": "lists", "fields": ["code", "depth"]}"#)
            let listResult = try #require(lists.json["result"] as? [String: Any])
            #expect((listResult["records"] as? [[Any]])?.map { $0[0] as? String } == ["004", "001", "002", "003"])
            #expect((listResult["fields"] as? [[String: Any]])?.map { $0["id"] as? String } == ["code", "depth"])
            let distinct = try await client.send(
                .post, "/api/3/action/datastore_search", json: #"{"resource_id": "\#(id)", "distinct": true, "fields": ["line"]}"#)
            let lines = ((distinct.json["result"] as? [String: Any])?["records"] as? [[String: Any]])?.compactMap { $0["line"] as? String }
            #expect(lines?.sorted() == ["A", "B", "C"])

            let sql = try await client.send(
                .get,
                "/api/3/action/datastore_search_sql?sql="
                    + "SELECT line, count(*) AS n FROM \"\(id)\" GROUP BY line ORDER BY line".addingPercentEncoding(
                        withAllowedCharacters: .alphanumerics)!)
            let sqlRecords = try #require((sql.json["result"] as? [String: Any])?["records"] as? [[String: Any]])
            #expect(sqlRecords.map { $0["n"] as? Int } == [2, 1, 1])
            for (statement, status) in [
                ("DROP TABLE \"\(id)\"", HTTPResponse.Status.forbidden), ("SELECT * FROM sqlite_master", .forbidden),
                ("SELECT 'open", .conflict),
            ] {
                let refused = try await client.send(
                    .get,
                    "/api/3/action/datastore_search_sql?sql=" + statement.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
                #expect(refused.status == status, "\(statement): \(refused.body)")
            }

            let package = try await client.send(.get, "/dataset/bus-stops/datapackage.json")
            let stations = try #require((package.json["resources"] as? [[String: Any]])?.first { $0["title"] as? String == "Stations" })
            #expect((stations["schema"] as? [String: Any])?["primaryKey"] as? [String] == ["code"])
            #expect(stations["hash"] == nil && (stations["path"] as? String)?.hasSuffix("/rows?_format=csv") == true)

            let deleted = try await client.send(
                .post, "/api/3/action/datastore_delete", json: #"{"resource_id": "\#(id)", "filters": {"line": "A"}}"#, headers: auth)
            #expect(deleted.status == .ok)
            let left = try await client.send(.get, "/api/3/action/datastore_search?resource_id=\(id)")
            #expect((left.json["result"] as? [String: Any])?["total"] as? Int == 2)
        }
    }

    @Test("a linked CSV is loaded in the background, as CKAN's xloader does")
    func linkedLoad() async throws {
        let hub = try await HubFixture()
        let router = Router()
        router.get("/files/counts.csv") { _, _ in "street,cyclists\nHigh Street,120\nMill Lane,45\n" }
        let elsewhere = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await elsewhere.test(.live) { remote in
            let port = try #require(remote.port)
            try await hub.app.test(.router) { client in
                let made = try await client.send(
                    .post, "/api/3/action/resource_create",
                    json:
                        #"{"package_id": "bus-stops", "name": "Counts", "url": "http://127.0.0.1:\#(port)/files/counts.csv", "format": "CSV"}"#,
                    headers: [.authorization: hub.adminToken])
                let id = try #require((made.json["result"] as? [String: Any])?["id"] as? String)
                var active = false
                for _ in 0..<100 where !active {
                    try await Task.sleep(for: .milliseconds(50))
                    let shown = try await client.send(.get, "/api/3/action/resource_show?id=\(id)")
                    active = (shown.json["result"] as? [String: Any])?["datastore_active"] as? Bool == true
                }
                #expect(active)
                let search = try await client.send(.get, "/api/3/action/datastore_search?resource_id=\(id)&sort=cyclists")
                #expect((search.json["result"] as? [String: Any])?["total"] as? Int == 2)
            }
        }
    }
}
