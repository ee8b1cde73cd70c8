import AgoraStore
import Foundation

public enum TableEngines {
    /// The engine that belongs with `store`: table files beside a SQLite store, tables inside PostgreSQL.
    public static func make(for store: any Store, dataDirectory: URL) throws -> any TableEngine {
        if let postgres = store as? PostgresStore { return PostgresTableEngine(client: postgres.client) }
        return try SQLiteTableEngine(directory: dataDirectory.appendingPathComponent("tables"))
    }
}
