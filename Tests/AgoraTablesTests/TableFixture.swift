import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import AgoraTables
import Foundation
import Testing

/// The backends every table test runs on: SQLite files always, PostgreSQL when AGORA_TEST_POSTGRES_URL is set.
enum TableBackend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite = "SQLite"
    case postgres = "PostgreSQL"

    var description: String { rawValue }

    static let postgresURL = ProcessInfo.processInfo.environment["AGORA_TEST_POSTGRES_URL"]

    static var available: [TableBackend] {
        if postgresURL == nil {
            print("AgoraTablesTests: skipping PostgreSQL: AGORA_TEST_POSTGRES_URL is not set")
            return [.sqlite]
        }
        return allCases
    }
}

/// A catalogue with one publisher and one dataset, and a table service over the chosen backend.
struct TableFixture {
    let store: any Store
    let catalog: CatalogService
    let tables: TableService
    let admin: Identity
    let directory: URL

    init(_ backend: TableBackend) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("agora-tables-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        switch backend {
        case .sqlite:
            store = try SQLiteStore(path: directory.appendingPathComponent("agora.sqlite").path)
        case .postgres:
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
            let url = TableBackend.postgresURL!
            store = try await PostgresStore(url: url + (url.contains("?") ? "&" : "?") + "schema=" + schema)
        }
        catalog = CatalogService(store: store)
        let blobs = try BlobStore(root: directory.appendingPathComponent("blobs"))
        let engine = try TableEngines.make(for: store, dataDirectory: directory)
        tables = TableService(store: store, catalog: catalog, engine: engine, blobs: blobs, clock: SystemClock())
        let accounts = AccountService(store: store)
        admin = Identity(account: try await accounts.ensureSiteAdmin(), memberships: [])
        _ = try await catalog.createPublisher(PublisherInput(slug: "city", title: "City"), by: admin)
        _ = try await catalog.createDataset(DatasetInput(slug: "data", publisher: "city", title: "Data", licence: "CC-BY-4.0"), by: admin)
    }

    /// Uploads `bytes` as a distribution named `name` (or replaces the file of the one with that name)
    /// and imports it.
    @discardableResult
    func load(_ bytes: [UInt8], name: String = "file.csv", lenient: Bool = false) async throws -> (table: DataTable, version: TableVersion)
    {
        let blob = try tables.blobs.put(Data(bytes))
        let dataset = try await catalog.dataset(slug: "data")
        let distribution: Distribution
        if let existing = dataset.distributions.first(where: { $0.fileName == name }) {
            distribution = try await catalog.replaceUploadedFile(slug: "data", id: existing.id, blob: blob, by: admin)
        } else {
            distribution = try await catalog.addUploadedDistribution(
                slug: "data", blob: blob, title: nil, fileName: name, mediaType: nil, by: admin)
        }
        let path = try #require(tables.blobs.url(for: blob.sha256)).path
        return try await tables.ingest(
            slug: "data", distributionID: distribution.id, path: path, fileName: name, options: IngestOptions(lenient: lenient), by: admin)
    }

    @discardableResult
    func load(_ text: String, name: String = "file.csv", lenient: Bool = false) async throws -> (table: DataTable, version: TableVersion) {
        try await load(Array(text.utf8), name: name, lenient: lenient)
    }

    /// The answer to `query` (URL query syntax) as text.
    func text(_ tableID: String, _ query: String) async throws -> String {
        let table = try await tables.table(id: tableID)
        let version = try tables.servedVersion(table)
        let pairs: [(String, String)] = query.split(separator: "&").map {
            let parts = $0.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]).removingPercentEncoding!, parts.count > 1 ? String(parts[1]).removingPercentEncoding! : "")
        }
        let parsed = try TableQuery.parse(pairs, version: version)
        var bytes: [UInt8] = []
        try await tables.answer(parsed, version: version) { bytes += $0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The answer to `query` as a JSON object.
    func json(_ tableID: String, _ query: String) async throws -> [String: Any] {
        let text = try await text(tableID, query)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    func rows(_ tableID: String, _ query: String) async throws -> [[String: Any]] {
        try await json(tableID, query)["rows"] as? [[String: Any]] ?? []
    }

    func close() async { try? await store.close() }
}

/// Asserts `body` throws a Problem of `kind` whose detail contains `text`.
func expectProblem(_ kind: Problem.Kind, containing text: String, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected a \(kind) problem containing '\(text)'")
    } catch let problem as Problem {
        #expect(problem.kind == kind, "\(problem)")
        #expect(problem.detail.contains(text) || problem.errors.contains { $0.message.contains(text) }, "\(problem)")
    } catch {
        Issue.record("expected a Problem, got \(error)")
    }
}
