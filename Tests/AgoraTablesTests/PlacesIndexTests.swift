import AgoraCore
import AgoraStore
import Foundation
import Testing

@testable import AgoraTables

@Suite("Places index")
struct PlacesIndexTests {
    /// Points scattered deterministically over a city, with some rows missing a place.
    static func points(_ count: Int) -> (csv: String, located: [(id: Int, lat: Double, lon: Double)]) {
        var random = SeededRandom(state: 7)
        var csv = "id,name,lat,lon\n"
        var located: [(Int, Double, Double)] = []
        for id in 1...count {
            if id % 97 == 0 {
                csv += "\(id),nowhere \(id),,\n"
                continue
            }
            let lat = 51.28 + random.double(0...1) * 0.42
            let lon = -0.51 + random.double(0...1) * 0.84
            located.append((id, lat, lon))
            csv += "\(id),place \(id),\(String(format: "%.6f", lat)),\(String(format: "%.6f", lon))\n"
        }
        return (csv, located.map { (id: $0.0, lat: $0.1, lon: $0.2) })
    }

    @Test("the packed R*Tree passes SQLite's own check and holds every located row once")
    func packedTreeIsValid() async throws {
        let fixture = try await TableFixture(.sqlite)
        defer { Task { await fixture.close() } }
        let (csv, located) = Self.points(6000)
        let (_, version) = try await fixture.load(csv)
        let engine = try #require(fixture.tables.engine as? SQLiteTableEngine)
        let db = try SQLiteConnection(path: engine.path(version.storage), readOnly: true)
        #expect(try RTreeBulkLoad.check(db, name: "rows_geo") == "ok")
        let count = try db.prepare("SELECT count(*) FROM rows_geo")
        #expect(try db.step(count))
        #expect(SQLiteConnection.value(count, 0) == .integer(Int64(located.count)))
    }

    @Test("boxes and radii give exactly the rows a full scan gives", arguments: TableBackend.available)
    func queriesMatchAScan(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let (csv, located) = Self.points(3000)
        let id = try await fixture.load(csv).table.id
        let box = (west: -0.2, south: 51.45, east: 0.0, north: 51.55)
        let inBox = located.filter {
            $0.lon >= box.west && $0.lon <= box.east && $0.lat >= box.south && $0.lat <= box.north
        }.map(\.id)
        let boxed = try await fixture.rows(id, "_bbox=\(box.west),\(box.south),\(box.east),\(box.north)&_fields=id&_size=10000&_sort=id")
        #expect(Set(boxed.compactMap { $0["id"] as? Int }) == Set(inBox))
        let centre = (lat: 51.5, lon: -0.12)
        let radius = 3000.0
        let ky = 110_540.0
        let kx = 111_320.0 * cos(centre.lat * .pi / 180)
        let within = located.filter {
            let dy = ($0.lat - centre.lat) * ky
            let dx = ($0.lon - centre.lon) * kx
            return (dx * dx + dy * dy).squareRoot() <= radius
        }
        let near = try await fixture.rows(id, "_near=\(centre.lat),\(centre.lon)&_radius=\(Int(radius))&_fields=id&_size=10000")
        #expect(near.compactMap { $0["id"] as? Int }.count == within.count)
        #expect(Set(near.compactMap { $0["id"] as? Int }) == Set(within.map(\.id)))
        let distances = near.compactMap { $0["_distance_m"] as? Double }
        #expect(distances == distances.sorted())
        #expect((distances.last ?? 0) <= radius)
    }
}

@Suite("Indexes chosen by queries")
struct AutoIndexTests {
    @Test("a slow query shape gets a composite index in the background, and answers stay the same")
    func compositeIndexForSlowShape() async throws {
        let fixture = try await TableFixture(.sqlite)
        defer { Task { await fixture.close() } }
        let (table, version) = try await fixture.load(TableQueryTests.shops)
        // Every query counts as slow here, so the first one asks for its index.
        let engine = try SQLiteTableEngine(directory: fixture.directory.appendingPathComponent("tables"), autoIndexAfter: .zero)
        let tables = TableService(
            store: fixture.store, catalog: fixture.catalog, engine: engine, blobs: fixture.tables.blobs, clock: SystemClock())
        let before = try await fixture.rows(table.id, "borough=Camden&_sort=-price")
        let query = try TableQuery.parse([("borough", "Camden"), ("_sort", "-price")], version: version)
        try await tables.answer(query, version: version) { _ in }
        var names: [String] = []
        for _ in 0..<100 {
            names = try await engine.indexes(storage: version.storage)
            if names.contains("auto_c2_c3") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(names.contains("auto_c2_c3"))
        #expect(!names.contains { $0.hasPrefix("auto_") && $0 != "auto_c2_c3" })
        var bytes: [UInt8] = []
        try await tables.answer(query, version: version) { bytes += $0 }
        let after = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])["rows"] as? [[String: Any]]
        #expect(after?.compactMap { $0["id"] as? Int } == before.compactMap { $0["id"] as? Int })
        #expect(before.compactMap { $0["id"] as? Int } == [2, 7, 1])
    }
}
