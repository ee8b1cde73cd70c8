import AgoraCatalog
import AgoraCore
import AgoraStore
import AgoraTables
import Foundation
import Testing

@Suite("Datastore writes and SQL")
struct DatastoreTests {
    /// A link distribution to write records to.
    static func resource(_ fixture: TableFixture) async throws -> String {
        try await fixture.catalog.addDistribution(
            slug: "data", DistributionInput(title: "Counts", url: "https://city.example/counts.csv"), by: fixture.admin
        ).id
    }

    @Test("create with declared types and a key, upsert, update, insert, delete: each a new version", arguments: TableBackend.available)
    func writes(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let id = try await Self.resource(fixture)
        let columns = [
            DatastoreColumn(name: "station", type: .text), DatastoreColumn(name: "count", type: .integer),
            DatastoreColumn(name: "code", type: .text), DatastoreColumn(name: "ratio", type: .decimal),
        ]
        // An empty table first: fields only.
        let (_, empty) = try await fixture.tables.writeRecords(
            slug: "data", distributionID: id, columns: columns, records: [], primaryKey: ["station"], method: .insert, by: fixture.admin)
        #expect(empty.rowCount == 0 && empty.primaryKey == ["station"])
        #expect(empty.columns.map(\.type) == [.text, .integer, .text, .decimal])
        let (table, created) = try await fixture.tables.writeRecords(
            slug: "data", distributionID: id, columns: [],
            records: [
                ["station": "North", "count": "5", "code": "007", "ratio": "1"], ["station": "South", "count": "7", "code": "010"],
            ],
            primaryKey: nil, method: .insert, by: fixture.admin)
        #expect(created.rowCount == 2 && created.version == empty.version + 1)
        // Declared text keeps leading zeros; declared decimal widens whole numbers.
        #expect(created.columns.map(\.type) == [.text, .integer, .text, .decimal])
        let (_, upserted) = try await fixture.tables.writeRecords(
            slug: "data", distributionID: id, columns: [],
            records: [["station": "North", "count": "9"], ["station": "East", "count": "1"]],
            primaryKey: nil, method: .upsert, by: fixture.admin)
        #expect(upserted.rowCount == 3)
        var rows = try await fixture.rows(table.id, "_sort=station")
        #expect(rows.map { $0["station"] as? String } == ["East", "North", "South"])
        #expect(rows[1]["count"] as? Int == 9 && rows[1]["code"] as? String == "007")
        await expectProblem(.conflict, containing: "duplicate key") {
            _ = try await fixture.tables.writeRecords(
                slug: "data", distributionID: id, columns: [], records: [["station": "East"]], primaryKey: nil, method: .insert,
                by: fixture.admin)
        }
        await expectProblem(.notFound, containing: "not found") {
            _ = try await fixture.tables.writeRecords(
                slug: "data", distributionID: id, columns: [], records: [["station": "West", "count": "2"]], primaryKey: nil,
                method: .update, by: fixture.admin)
        }
        await expectProblem(.validation, containing: "extra key") {
            _ = try await fixture.tables.writeRecords(
                slug: "data", distributionID: id, columns: [], records: [["station": "West", "colour": "red"]], primaryKey: nil,
                method: .upsert, by: fixture.admin)
        }
        await expectProblem(.validation, containing: "declared integer") {
            _ = try await fixture.tables.writeRecords(
                slug: "data", distributionID: id, columns: [], records: [["station": "West", "count": "many"]], primaryKey: nil,
                method: .upsert, by: fixture.admin)
        }
        // Refused writes left the last good version serving.
        #expect(try await fixture.tables.table(id: table.id).current?.version == upserted.version)
        let (_, _, deleted) = try await fixture.tables.deleteRecords(
            slug: "data", distributionID: id, filters: ["count": ["9.0", "1"]], by: fixture.admin)
        #expect(deleted == 2)
        rows = try await fixture.rows(table.id, "")
        #expect(rows.map { $0["station"] as? String } == ["South"])
        #expect(try await fixture.tables.versions(tableID: table.id).count >= 3)
    }

    @Test("datastore_search_sql reads named tables only, one SELECT, allowed functions, within its time", arguments: TableBackend.available)
    func sql(backend: TableBackend) async throws {
        let fixture = try await TableFixture(backend)
        defer { Task { await fixture.close() } }
        let id = try await Self.resource(fixture)
        _ = try await fixture.tables.writeRecords(
            slug: "data", distributionID: id, columns: [],
            records: (1...50).map { ["n": String($0), "name": "row \($0)", "even": $0 % 2 == 0 ? "true" : "false"] }, primaryKey: ["n"],
            method: .insert, by: fixture.admin)
        let answer = try await fixture.tables.searchSQL(
            "SELECT even, count(*) AS rows, sum(n) AS total FROM \"\(id)\" WHERE n > 10 GROUP BY even ORDER BY even")
        #expect(answer.columns == ["even", "rows", "total"])
        #expect(answer.rows.count == 2)
        #expect(answer.rows[0][1] == .integer(20) && answer.rows[1][1] == .integer(20))
        #expect(answer.rows.map { $0[2] } == [.integer(600), .integer(620)])
        let cte = try await fixture.tables.searchSQL("WITH big(n) AS (SELECT n FROM \"\(id)\" WHERE n > 45) SELECT max(n) AS top FROM big;")
        #expect(cte.rows.first?.first == .integer(50))
        for refused in [
            "DELETE FROM \"\(id)\"", "SELECT 1; DROP TABLE x", "SELECT * FROM \"\(id)\" INTO other",
            "SELECT load_extension('x')", "SELECT pg_read_file('/etc/passwd')", "SELECT set_config('statement_timeout', '0', true)",
        ] {
            await expectProblem(.forbidden, containing: "allowed") { _ = try await fixture.tables.searchSQL(refused) }
        }
        let catalogueTable = backend == .sqlite ? "sqlite_master" : "pg_class"
        await expectProblem(.forbidden, containing: "datastore table") {
            _ = try await fixture.tables.searchSQL("SELECT * FROM \(catalogueTable)")
        }
        await expectProblem(.validation, containing: "not closed") { _ = try await fixture.tables.searchSQL("SELECT 'open") }
        await expectProblem(.conflict, containing: "time limit") {
            _ = try await fixture.tables.searchSQL(
                "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r", timeout: .milliseconds(300))
        }
        // The store is untouched after all of that.
        #expect(try await fixture.tables.searchSQL("SELECT count(*) AS c FROM \"\(id)\"").rows.first?.first == .integer(50))
    }
}
