import AgoraCore
import AgoraStore
import AgoraTables
import Foundation
import Testing

/// The query language of DESIGN.md §4, run identically on every backend.
@Suite("Table queries")
struct TableQueryTests {
    static let shops = """
        id,name,borough,price,rating,open,opened,notes,lat,lon
        1,Alpha Market,Camden,100,4.5,true,2020-01-05,Fresh bread,51.5390,-0.1426
        2,Beta Shop,Camden,250,,false,2019-03-01,,51.5416,-0.1460
        3,Gamma Store,Hackney,175,3.9,true,,Open late,51.5450,-0.0553
        4,Delta Deli,Hackney,,4.1,true,2018-11-11,"Sandwiches, salads",51.5465,-0.0570
        5,Epsilon Eats,Islington,300,2.5,false,2022-02-02,Fresh fish,51.5362,-0.1033
        6,Zeta Café,Islington,90,4.9,true,2023-03-03,Coffee,51.5380,-0.1000
        7,Eta Grocer,Camden,120,3.3,true,2021-06-06,Fresh fruit,51.5500,-0.1700

        """

    static func ids(_ rows: [[String: Any]]) -> [Int] { rows.compactMap { $0["id"] as? Int } }

    @Test("filters: equality and every operator, each on its column's type", arguments: TableBackend.available)
    func filters(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let (table, version) = try await fixture.load(Self.shops)
        #expect(version.geo == GeoColumns(latitude: "lat", longitude: "lon"))
        let id = table.id
        let cases: [(String, [Int])] = [
            ("borough=Camden", [1, 2, 7]),
            ("borough=Camden&price__gte=120", [2, 7]),
            ("price__gt=175", [2, 5]),
            ("price__lt=100", [6]),
            ("price__lte=100", [1, 6]),
            ("borough__ne=Camden", [3, 4, 5, 6]),
            ("borough__in=Hackney,Islington&open=true", [3, 4, 6]),
            ("name__contains=Deli", [4]),
            ("notes__startswith=Fresh", [1, 5, 7]),
            ("price__isnull=true", [4]),
            ("rating__isnull=false&rating__lt=4", [3, 5, 7]),
            ("opened__gte=2021-01-01", [5, 6, 7]),
            ("open=false", [2, 5]),
            ("rating=4.9", [6]),
            ("name=Zeta%20Caf%C3%A9", [6]),
        ]
        for (query, expected) in cases {
            #expect(Self.ids(try await fixture.rows(id, query + "&_sort=id")) == expected, "\(query)")
        }
    }

    @Test("sorting on several columns, nulls first ascending and last descending", arguments: TableBackend.available)
    func sorting(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let id = try await fixture.load(Self.shops).table.id
        #expect(Self.ids(try await fixture.rows(id, "_sort=price")) == [4, 6, 1, 7, 3, 2, 5])
        #expect(Self.ids(try await fixture.rows(id, "_sort=-price")) == [5, 2, 3, 7, 1, 6, 4])
        #expect(Self.ids(try await fixture.rows(id, "_sort=borough,-price")) == [2, 7, 1, 3, 4, 5, 6])
        #expect(Self.ids(try await fixture.rows(id, "_sort=-opened")) == [6, 5, 7, 1, 2, 4, 3])
    }

    @Test("keyset paging walks every row exactly once, whatever the order", arguments: TableBackend.available)
    func paging(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let id = try await fixture.load(Self.shops).table.id
        for sort in [
            "", "_sort=price", "_sort=-rating", "_sort=borough,-opened", "_near=51.54,-0.1&_radius=10000", "_q=fresh",
            "_q=fresh&_sort=-price",
        ] {
            let all = Self.ids(try await fixture.rows(id, sort))
            var seen: [Int] = []
            var after: String?
            repeat {
                let query = [sort, "_size=2", after.map { "_after=\($0)" }].compactMap { $0 }.filter { !$0.isEmpty }
                let page = try await fixture.json(id, query.joined(separator: "&"))
                seen += Self.ids(page["rows"] as? [[String: Any]] ?? [])
                after = page["next"] as? String
            } while after != nil && seen.count < 20
            #expect(seen == all, "\(sort)")
            #expect(all.count == (sort.hasPrefix("_q") ? 3 : 7))
        }
    }

    @Test("fields, size and totals", arguments: TableBackend.available)
    func shape(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let id = try await fixture.load(Self.shops).table.id
        let page = try await fixture.json(id, "_fields=name,price&_size=2&_count=true&borough=Camden")
        let columns = try #require(page["columns"] as? [[String: String]])
        #expect(columns == [["name": "name", "type": "text"], ["name": "price", "type": "integer"]])
        let rows = try #require(page["rows"] as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(rows[0].keys.sorted() == ["name", "price"])
        #expect(page["total"] as? Int == 3)
        #expect(page["next"] is String)
        let last = try await fixture.json(id, "_size=10")
        #expect(last["next"] is NSNull)
        #expect(last["total"] == nil)
    }

    @Test("full-text search over the text columns", arguments: TableBackend.available)
    func search(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let id = try await fixture.load(Self.shops).table.id
        #expect(Self.ids(try await fixture.rows(id, "_q=fresh")) == [1, 5, 7])
        #expect(Self.ids(try await fixture.rows(id, "_q=FRESH%20camden")) == [1, 7])
        #expect(Self.ids(try await fixture.rows(id, "_q=salads")) == [4])
        #expect(Self.ids(try await fixture.rows(id, "_q=nothinglikethis")) == [])
    }

    @Test("places: nearest first within a radius, and a bounding box", arguments: TableBackend.available)
    func places(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let id = try await fixture.load(Self.shops).table.id
        let near = try await fixture.rows(id, "_near=51.5365,-0.1030&_radius=1000")
        #expect(Self.ids(near) == [5, 6])
        let first = try #require(near.first?["_distance_m"] as? Double)
        #expect(first < 50)
        #expect(Self.ids(try await fixture.rows(id, "_near=51.5365,-0.1030&_radius=5000&borough=Camden")) == [1, 2, 7])
        #expect(Self.ids(try await fixture.rows(id, "_bbox=-0.06,51.54,-0.05,51.55&_sort=id")) == [3, 4])
    }

    @Test("group-by with count, sum, avg, min and max", arguments: TableBackend.available)
    func grouping(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let id = try await fixture.load(Self.shops).table.id
        let page = try await fixture.json(id, "_group=borough&_agg=count,sum:price,avg:price,min:opened,max:rating&_count=true")
        let columns = (page["columns"] as? [[String: String]])?.map { $0["name"] ?? "" }
        #expect(columns == ["borough", "count", "sum_price", "avg_price", "min_opened", "max_rating"])
        let rows = try #require(page["rows"] as? [[String: Any]])
        #expect(rows.map { $0["borough"] as? String } == ["Camden", "Hackney", "Islington"])
        #expect(rows.map { $0["count"] as? Int } == [3, 2, 2])
        #expect(rows.map { $0["sum_price"] as? Int } == [470, 175, 390])
        #expect(rows.map { $0["avg_price"] as? Double } == [470.0 / 3, 175, 195])
        #expect(rows.map { $0["min_opened"] as? String } == ["2019-03-01", "2018-11-11", "2022-02-02"])
        #expect(rows.map { $0["max_rating"] as? Double } == [4.5, 4.1, 4.9])
        #expect(page["total"] as? Int == 3)
        let sorted = try await fixture.rows(id, "_group=borough&_agg=avg:price&_sort=-avg_price&open=true")
        #expect(sorted.map { $0["borough"] as? String } == ["Hackney", "Camden", "Islington"])
        let paged = try await fixture.json(id, "_group=borough&_size=2")
        #expect(paged["next"] as? String == "2")
        #expect((try await fixture.rows(id, "_group=borough&_size=2&_after=2")).map { $0["borough"] as? String } == ["Islington"])
    }

    @Test("exports: CSV, NDJSON, GeoJSON and JSON of the whole table or any query", arguments: TableBackend.available)
    func exports(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let id = try await fixture.load(Self.shops).table.id
        let csv = try await fixture.text(id, "_format=csv&borough=Hackney&_fields=id,notes")
        #expect(csv == "id,notes\r\n3,Open late\r\n4,\"Sandwiches, salads\"\r\n")
        let ndjson = try await fixture.text(id, "_format=ndjson&_fields=id&_sort=-id")
        #expect(ndjson.split(separator: "\n").count == 7)
        #expect(ndjson.hasPrefix("{\"id\":7}\n"))
        let geo = try await fixture.json(id, "_format=geojson&id=6")
        let feature = try #require((geo["features"] as? [[String: Any]])?.first)
        let geometry = try #require(feature["geometry"] as? [String: Any])
        #expect(geometry["coordinates"] as? [Double] == [-0.1, 51.538])
        #expect((feature["properties"] as? [String: Any])?["name"] as? String == "Zeta Café")
        let all = try await fixture.json(id, "_format=json")
        #expect((all["rows"] as? [Any])?.count == 7)
    }

    @Test("unknown columns, operators and parameters, and mistyped values, are a 400 naming each", arguments: TableBackend.available)
    func errors(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let id = try await fixture.load(Self.shops).table.id
        let cases: [(String, String)] = [
            ("colour=red", "no column 'colour'"),
            ("price__approx=3", "Unknown operator '__approx'"),
            ("_limit=3", "Unknown parameter"),
            ("price=cheap", "'cheap' is not an integer"),
            ("opened__gt=2020", ""),
            ("_size=0", "from 1 to 10000"),
            ("_size=10001", "from 1 to 10000"),
            ("_sort=colour", "no column 'colour'"),
            ("_near=91,0", "latitude,longitude"),
            ("_radius=10", "_near"),
            ("_bbox=1,2,0,3", "west < east"),
            ("_agg=avg:name&_group=borough", "numeric column"),
            ("_after=garbage", "cursor"),
            ("price__contains=1", "text columns"),
            ("_format=xlsx", "csv"),
        ]
        for (query, message) in cases {
            do {
                _ = try await fixture.text(id, query)
                if !message.isEmpty { Issue.record("\(query) was accepted") }
            } catch let problem as Problem {
                #expect(problem.kind == .badRequest, "\(query)")
                #expect(problem.errors.contains { $0.message.contains(message) }, "\(query): \(problem.errors)")
            }
        }
    }
}
