import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Table API")
struct TableAPITests {
    static let csv = """
        id,borough,price,sold,lat,lon
        1,Camden,450000,2024-01-02,51.539,-0.142
        2,Camden,620000,2024-02-03,51.541,-0.146
        3,Hackney,380000,2024-03-04,51.545,-0.055
        4,"Tower Hamlets",510000,2024-04-05,51.515,-0.030

        """

    @Test("an uploaded CSV becomes a table at once, queried, exported and downloadable as it came")
    func uploadAndQuery() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let upload = try await client.send(
                .post, "/api/v1/datasets/housing-sales-2025/distributions?file_name=prices.csv", token: hub.editorToken,
                body: ByteBuffer(string: Self.csv), headers: [.contentType: "text/csv"])
            #expect(upload.status == .created)
            let table = try #require(upload.json["table"] as? [String: Any], "\(upload.body)")
            let id = try #require(table["id"] as? String)

            let page = try await client.send(.get, "/api/v1/tables/\(id)/rows?borough=Camden&_sort=-price&_count=true")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("application/json") == true)
            let rows = try #require(page.json["rows"] as? [[String: Any]])
            #expect(rows.map { $0["price"] as? Int } == [620000, 450000])
            #expect(page.json["total"] as? Int == 2)

            let spaced = try await client.send(.get, "/api/v1/tables/\(id)/rows?borough=Tower+Hamlets")
            #expect((spaced.json["rows"] as? [[String: Any]])?.count == 1)

            let bad = try await client.send(.get, "/api/v1/tables/\(id)/rows?colour=red&price__near=3&_size=0")
            #expect(bad.status == .badRequest)
            #expect(bad.headers[.contentType] == "application/problem+json")
            #expect(problemFields(bad) == ["colour", "price__near", "_size"])

            let csv = try await client.send(.get, "/api/v1/tables/\(id)/rows?_format=csv&_fields=id,borough&_sort=id")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition]?.contains(".csv\"") == true)
            #expect(csv.body == "id,borough\r\n1,Camden\r\n2,Camden\r\n3,Hackney\r\n4,Tower Hamlets\r\n")

            let geojson = try await client.send(.get, "/api/v1/tables/\(id)/rows?_format=geojson&_near=51.54,-0.144&_radius=500")
            #expect(geojson.headers[.contentType] == "application/geo+json")
            #expect((geojson.json["features"] as? [Any])?.count == 2)

            let source = try await client.send(.get, "/api/v1/tables/\(id)/source")
            #expect(source.body == Self.csv)

            let listed = try await client.send(.get, "/api/v1/datasets/housing-sales-2025/tables")
            #expect((listed.json["results"] as? [[String: Any]])?.contains { $0["id"] as? String == id } == true)

            let versions = try await client.send(.get, "/api/v1/tables/\(id)/versions")
            #expect(((versions.json["results"] as? [[String: Any]])?.first?["row_count"] as? Int) == 4)

            let missing = try await client.send(.get, "/api/v1/tables/nope/rows")
            #expect(missing.status == .notFound)
        }
    }

    @Test("a file that cannot be a table is still published, with the reason; re-imports need an editor")
    func refusedFiles() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let upload = try await client.send(
                .post, "/api/v1/datasets/housing-sales-2025/distributions?file_name=broken.csv", token: hub.editorToken,
                body: ByteBuffer(string: "a,b\n1,2\n3\n"), headers: [.contentType: "text/csv"])
            #expect(upload.status == .created)
            #expect(upload.json["table"] == nil)
            let problem = try #require(upload.json["table_problem"] as? [String: Any])
            #expect(
                (problem["detail"] as? String)?.contains("line 3") == true || (problem["detail"] as? String)?.contains("Line 3") == true)
            let distribution = try #require(upload.json["id"] as? String)

            let path = "/api/v1/datasets/housing-sales-2025/distributions/\(distribution)/table"
            #expect(try await client.send(.post, path).status == .unauthorized)
            #expect(try await client.send(.post, path, token: hub.outsiderToken).status == .forbidden)
            let strict = try await client.send(.post, path, token: hub.editorToken)
            #expect(strict.status == .unprocessableContent)
            #expect(problemFields(strict) == ["line 3"])
            let lenient = try await client.send(.post, path + "?lenient=true", token: hub.editorToken)
            #expect(lenient.status == .created)
            #expect((lenient.json["version"] as? [String: Any])?["padded_rows"] as? Int == 1)
        }
    }

    @Test("the table page: preview with sortable headings, filters, statistics, a chart for a group-by and a map")
    func tablePage() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let tables = try await client.send(.get, "/api/v1/datasets/bus-stops/tables")
            let table = try #require((tables.json["results"] as? [[String: Any]])?.first)
            let id = try #require(table["id"] as? String)
            let page = try await client.send(.get, "/table/\(id)")
            #expect(page.status == .ok)
            #expect(page.body.contains("<svg class=\"map\""))
            #expect(page.body.contains("href=\"/table/\(id)?_sort="))
            #expect(page.body.contains("<h2 id=\"columns\">Columns</h2>"))
            #expect(page.body.contains("_format=csv"))
            let columns = try #require(
                ((table["current"] as? [String: Any])?["columns"] as? [[String: Any]])?.compactMap { $0["name"] as? String })
            for name in columns { #expect(page.body.contains(esc(name)), "\(name)") }

            let textColumn = try #require(
                ((table["current"] as? [String: Any])?["columns"] as? [[String: Any]])?.first { $0["type"] as? String == "text" }?["name"]
                    as? String)
            let grouped = try await client.send(.get, "/table/\(id)?_group=\(textColumn)&_agg=count")
            #expect(grouped.body.contains("<svg class=\"chart\""))

            let filtered = try await client.send(.get, "/table/\(id)?_column=\(textColumn)&_op=__contains&_value=zzzz-none")
            #expect(filtered.body.contains("0 matching rows"))

            let wrong = try await client.send(.get, "/table/\(id)?nosuchcolumn=1")
            #expect(wrong.status == .ok)
            #expect(wrong.body.contains("class=\"problem\""))

            let twin = try await client.send(.get, "/table/\(id).json")
            #expect(twin.json["id"] as? String == id)

            let dataset = try await client.send(.get, "/dataset/bus-stops")
            #expect(dataset.body.contains("href=\"/table/\(id)\""))
        }
    }

    /// The same escaping the pages use, for comparing names with markup in them.
    func esc(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }
}

@Suite("Table import from a distribution's URL")
struct TableFromURLTests {
    @Test("a linked CSV is fetched and imported; a missing one is a clear error")
    func linkedFile() async throws {
        let hub = try await HubFixture()
        // Another web server holds the publisher's file.
        let router = Router()
        router.get("/files/counts.csv") { _, _ in "street,cyclists\nHigh Street,120\nMill Lane,45\n" }
        let elsewhere = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await elsewhere.test(.live) { client in
            let port = try #require(client.port)
            let admin = Identity(account: try await hub.services.accounts.ensureSiteAdmin(), memberships: [])
            let linked = try await hub.services.catalog.addDistribution(
                slug: "bus-stops", .init(title: "Cyclist counts", url: "http://127.0.0.1:\(port)/files/counts.csv", mediaType: "text/csv"),
                by: admin)
            let (table, version) = try await hub.services.tables.ingestDistribution(
                slug: "bus-stops", distributionID: linked.id, by: admin)
            #expect(version.rowCount == 2)
            #expect(version.columns.map(\.type) == [.text, .integer])
            #expect(table.distributionID == linked.id)

            let missing = try await hub.services.catalog.addDistribution(
                slug: "bus-stops", .init(title: "Gone", url: "http://127.0.0.1:\(port)/files/gone.csv", mediaType: "text/csv"), by: admin)
            await #expect(throws: Problem.self) {
                try await hub.services.tables.ingestDistribution(slug: "bus-stops", distributionID: missing.id, by: admin)
            }
            do {
                _ = try await hub.services.tables.ingestDistribution(slug: "bus-stops", distributionID: missing.id, by: admin)
            } catch let problem as Problem {
                #expect(problem.kind == .invalidFile)
                #expect(problem.detail.contains("404"))
            }
        }
    }
}

@Suite("Frictionless Data Package")
struct DataPackageTests {
    @Test("a dataset's package names its licence and publisher, and each table's schema, dialect and checksum")
    func package() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            _ = try await client.send(
                .post, "/api/v1/datasets/housing-sales-2025/distributions?file_name=prices.csv", token: hub.editorToken,
                body: ByteBuffer(string: "ref;price;sold;new\nA1;450000;2024-01-02;yes\nA2;380000.5;2024-02-03;no\n"),
                headers: [.contentType: "text/csv"])
            let reply = try await client.send(.get, "/dataset/housing-sales-2025/datapackage.json")
            #expect(reply.status == .ok)
            let package = reply.json
            #expect(package["$schema"] as? String == "https://datapackage.org/profiles/2.0/datapackage.json")
            #expect(package["name"] as? String == "housing-sales-2025")
            #expect((package["licenses"] as? [[String: Any]])?.first?["name"] as? String == "OGL-UK-3.0")
            #expect((package["sources"] as? [[String: Any]])?.first?["title"] as? String == "Riverton City Council")
            let resources = try #require(package["resources"] as? [[String: Any]])
            let prices = try #require(resources.first { $0["name"] as? String == "prices" })
            #expect(prices["type"] as? String == "table")
            #expect((prices["dialect"] as? [String: Any])?["delimiter"] as? String == ";")
            #expect((prices["hash"] as? String)?.hasPrefix("sha256:") == true)
            let fields = try #require((prices["schema"] as? [String: Any])?["fields"] as? [[String: Any]])
            #expect(fields.map { $0["type"] as? String } == ["string", "number", "date", "boolean"])
            #expect((fields[3]["trueValues"] as? [String])?.contains("yes") == true)
            #expect(try await client.send(.get, "/dataset/no-such/datapackage.json").status == .notFound)
        }
    }
}

@Suite("Data Package archive")
struct DataPackageZipTests {
    @Test("the ZIP holds datapackage.json and the dataset's files, with their CRC-32s")
    func archive() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let reply = try await client.execute(uri: "/dataset/bus-stops/datapackage.zip", method: .get) { response in
                (response.status, response.headers[.contentType], Array(response.body.readableBytesView))
            }
            #expect(reply.0 == .ok)
            #expect(reply.1 == "application/zip")
            let bytes = reply.2
            #expect(Array(bytes.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
            // The end record: signature, then the number of entries.
            let end = try #require(
                bytes.indices.reversed().first { i in i + 22 <= bytes.count && Array(bytes[i..<(i + 4)]) == [0x50, 0x4B, 0x05, 0x06] })
            #expect(Int(bytes[end + 10]) | Int(bytes[end + 11]) << 8 == 2)
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains("datapackage.json"))
            #expect(text.contains("\"path\":\"data/bus-stops.csv\""))
            // The first entry is the package itself; its CRC-32 is stored at offset 14.
            let nameLength = Int(bytes[26]) | Int(bytes[27]) << 8
            let size = Int(bytes[18]) | Int(bytes[19]) << 8 | Int(bytes[20]) << 16 | Int(bytes[21]) << 24
            let body = Array(bytes[(30 + nameLength)..<(30 + nameLength + size)])
            let stored = UInt32(bytes[14]) | UInt32(bytes[15]) << 8 | UInt32(bytes[16]) << 16 | UInt32(bytes[17]) << 24
            #expect(stored == crc32(body))
            #expect(crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        }
    }

    /// An independent CRC-32 (bit by bit), to check the archive's.
    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
