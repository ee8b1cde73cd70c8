import AgoraCore
import AgoraStore
import AgoraTables
import Foundation
import Testing

@Suite("Table import")
struct TableImportTests {
    @Test(
        "types are inferred over the whole file; codes with leading zeros stay text; empty cells are null",
        arguments: TableBackend.available)
    func inference(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        var csv = "id,price,ratio,flag,day,moment,code,note,late\r\n"
        for i in 1...300 {
            csv += "\(i),\(i * 10),\(Double(i) / 4),\(i % 2 == 0 ? "true" : "FALSE"),2024-01-\(String(format: "%02d", i % 28 + 1)),"
            csv += "2024-02-01T10:\(String(format: "%02d", i % 60)):00Z,0\(i),n\(i),\(i)\r\n"
        }
        csv += "301,,0.5,,,,0301,,x\r\n"
        let (table, version) = try await fixture.load(csv)
        let types = Dictionary(uniqueKeysWithValues: version.columns.map { ($0.name, $0.type) })
        #expect(types["id"] == .integer)
        #expect(types["price"] == .integer)
        #expect(types["ratio"] == .decimal)
        #expect(types["flag"] == .boolean)
        #expect(types["day"] == .date)
        #expect(types["moment"] == .datetime)
        #expect(types["code"] == .text)
        #expect(types["note"] == .text)
        // One text cell in the last row makes the whole column text.
        #expect(types["late"] == .text)
        #expect(version.rowCount == 301)
        #expect(version.columns.first { $0.name == "price" }?.nulls == 1)
        #expect(version.columns.first { $0.name == "price" }?.min == "10")
        #expect(version.columns.first { $0.name == "price" }?.max == "3000")
        let rows = try await fixture.rows(table.id, "id__in=2,301&_sort=id")
        #expect(rows.count == 2)
        #expect(rows[0]["price"] as? Int == 20)
        #expect(rows[0]["flag"] as? Bool == true)
        #expect(rows[0]["code"] as? String == "02")
        #expect(rows[0]["ratio"] as? Double == 0.5)
        #expect(rows[1]["price"] is NSNull)
        #expect(rows[1]["late"] as? String == "x")
    }

    @Test("numbers beyond 64 bits are kept exactly, never wrapped", arguments: TableBackend.available)
    func overflow(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let (table, version) = try await fixture.load("n,big\n1,9223372036854775807\n2,92233720368547758070\n3,-1.5\n")
        let big = try #require(version.columns.first { $0.name == "big" })
        #expect(big.type == .decimal)
        #expect(big.exact)
        let rows = try await fixture.rows(table.id, "_sort=-big")
        #expect(rows.map { $0["big"] as? String } == ["92233720368547758070", "9223372036854775807", "-1.5"])
        #expect(try await fixture.rows(table.id, "big__gt=1e19").count == 1)
    }

    @Test("blank and repeated header names are made unique; SQL-looking names are just names", arguments: TableBackend.available)
    func headers(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let (table, version) = try await fixture.load("name,,name,\"x\"\"); DROP TABLE rows; --\"\na,b,c,d\n")
        #expect(version.columns.map(\.name) == ["name", "column_2", "name_2", "x\"); DROP TABLE rows; --"])
        let rows = try await fixture.rows(table.id, "x%22)%3B%20DROP%20TABLE%20rows%3B%20--=d")
        #expect(rows.count == 1)
        #expect(rows.first?["name_2"] as? String == "c")
    }

    @Test("semicolons, tabs and Windows-1252 files are read", arguments: TableBackend.available)
    func wildFiles(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        var bytes = Array("stra\u{DF}e;preis\r\n".utf8)
        bytes = [UInt8]("stra".utf8) + [0xDF] + Array("e;preis\r\nK".utf8) + [0xF6] + Array("ln;3\r\n".utf8)
        let (table, version) = try await fixture.load(bytes, name: "latin.csv")
        #expect(version.encoding == "Windows-1252")
        #expect(version.delimiter == ";")
        #expect(version.columns.map(\.name) == ["straße", "preis"])
        #expect(try await fixture.rows(table.id, "").first?["straße"] as? String == "Köln")
    }

    @Test("bad files are refused with the line at fault, and the previous version keeps serving", arguments: TableBackend.available)
    func badFiles(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let (table, first) = try await fixture.load("a,b\n1,2\n3,4\n")
        await expectProblem(.invalidFile, containing: "lines 3") { try await fixture.load("a,b\n1,2\n3\n5,6,7\n") }
        await expectProblem(.invalidFile, containing: "empty") { try await fixture.load("") }
        await expectProblem(.invalidFile, containing: "header but no rows") { try await fixture.load("a,b\n") }
        await expectProblem(.invalidFile, containing: "at most 2000") {
            try await fixture.load((1...2001).map { "c\($0)" }.joined(separator: ",") + "\n" + String(repeating: "1,", count: 2000) + "1\n")
        }
        await expectProblem(.invalidFile, containing: "not closed") { try await fixture.load("a,b\n1,\"open\n") }
        await expectProblem(.invalidFile, containing: "neither valid UTF-8") {
            try await fixture.load(Array("a,b\n1,".utf8) + [0x81, 0x82] + Array("\n".utf8))
        }
        await expectProblem(.invalidFile, containing: "NUL") { try await fixture.load(Array("a,b\n1,".utf8) + [0] + Array("\n".utf8)) }
        await expectProblem(.invalidFile, containing: "Only CSV") { try await fixture.load("a,b\n1,2\n", name: "file.xlsx") }
        let served = try await fixture.tables.table(id: table.id)
        #expect(served.current?.version == first.version)
        #expect(try await fixture.rows(table.id, "").count == 2)
        #expect(try await fixture.tables.versions(tableID: table.id).count == 1)
    }

    @Test("a lenient import pads short rows and cuts long ones, and counts them", arguments: TableBackend.available)
    func lenient(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let (table, version) = try await fixture.load("a,b\n1,2\n3\n5,6,7\n", lenient: true)
        #expect(version.paddedRows == 1)
        #expect(version.truncatedRows == 1)
        let rows = try await fixture.rows(table.id, "_sort=a")
        #expect(rows.map { $0["b"] as? Int } == [2, nil, 6])
    }

    @Test("a new file makes a new version; history lists versions with row counts and checksums", arguments: TableBackend.available)
    func versions(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let (table, first) = try await fixture.load("a\n1\n2\n")
        let (again, second) = try await fixture.load("a\n1\n2\n3\n")
        #expect(again.id == table.id)
        #expect(second.version == first.version + 1)
        let versions = try await fixture.tables.versions(tableID: table.id)
        #expect(versions.map(\.version) == [2, 1])
        #expect(versions.map(\.rowCount) == [3, 2])
        #expect(versions[0].checksum == SHA256Hex.of(Data("a\n1\n2\n3\n".utf8)))
        #expect(try await fixture.rows(table.id, "").count == 3)
        let changes = try await fixture.store.changes(after: 0, limit: 100).filter { $0.kind == "table" }
        #expect(changes.map(\.op) == ["create", "version", "version"])
    }

    @Test(
        "GeoJSON features become rows: properties as columns, the geometry kept, points as latitude/longitude",
        arguments: TableBackend.available)
    func geojson(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let text = """
            {"type": "FeatureCollection", "name": "shops", "features": [
              {"type": "Feature", "properties": {"name": "Corner \\"Shop\\"", "open": true, "stalls": 3},
               "geometry": {"type": "Point", "coordinates": [-0.1, 51.5]}},
              {"type": "Feature", "properties": {"name": "Park", "area": 1.5},
               "geometry": {"type": "Polygon", "coordinates": [[[0, 51], [0.2, 51], [0.2, 51.2], [0, 51]]]}},
              {"type": "Feature", "properties": {"name": "Nowhere"}, "geometry": null}
            ]}
            """
        let (table, version) = try await fixture.load(text, name: "shops.geojson")
        #expect(version.format == "GeoJSON")
        #expect(version.columns.map(\.name) == ["name", "open", "stalls", "area", "geometry", "latitude", "longitude"])
        #expect(version.geo == GeoColumns(latitude: "latitude", longitude: "longitude", geometry: "geometry"))
        let rows = try await fixture.rows(table.id, "_sort=name")
        #expect(rows.count == 3)
        #expect(rows[0]["name"] as? String == "Corner \"Shop\"")
        #expect(rows[0]["open"] as? Bool == true)
        #expect(rows[0]["latitude"] as? Double == 51.5)
        #expect((rows[2]["latitude"] as? Double).map { abs($0 - 51.1) < 1e-9 } == true)
        #expect(rows[1]["geometry"] is NSNull)
        let near = try await fixture.rows(table.id, "_near=51.5,-0.1&_radius=500")
        #expect(near.map { $0["name"] as? String } == ["Corner \"Shop\""])
        let collection = try await fixture.json(table.id, "_format=geojson&_sort=name")
        let features = try #require(collection["features"] as? [[String: Any]])
        #expect((features[2]["geometry"] as? [String: Any])?["type"] as? String == "Polygon")
        await expectProblem(.invalidFile, containing: "FeatureCollection") {
            try await fixture.load("{\"type\": \"Feature\", \"properties\": {}}", name: "one.geojson")
        }
    }
}
