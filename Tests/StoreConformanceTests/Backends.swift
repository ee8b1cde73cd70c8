import AgoraStore
import Foundation

/// The stores every conformance test runs against: SQLite always (in memory and on disk in WAL mode),
/// PostgreSQL when AGORA_TEST_POSTGRES_URL is set.
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqliteMemory = "SQLite (memory)"
    case sqliteFile = "SQLite (file, WAL)"
    case postgres = "PostgreSQL"

    var description: String { rawValue }

    static let postgresURL = ProcessInfo.processInfo.environment["AGORA_TEST_POSTGRES_URL"]

    static var available: [Backend] {
        if postgresURL == nil {
            print("StoreConformanceTests: skipping PostgreSQL: AGORA_TEST_POSTGRES_URL is not set")
            return [.sqliteMemory, .sqliteFile]
        }
        return allCases
    }

    /// A fresh, empty store: its own file, or its own PostgreSQL schema, so tests can run in parallel.
    func makeStore() async throws -> any Store {
        switch self {
        case .sqliteMemory:
            return try SQLiteStore.inMemory()
        case .sqliteFile:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("agora-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return try SQLiteStore(path: dir.appendingPathComponent("agora.sqlite").path)
        case .postgres:
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
            let separator = Self.postgresURL!.contains("?") ? "&" : "?"
            return try await PostgresStore(url: Self.postgresURL! + separator + "schema=" + schema)
        }
    }
}
