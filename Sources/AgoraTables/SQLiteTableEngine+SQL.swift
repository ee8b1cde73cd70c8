import AgoraCore
import AgoraStore
import Foundation
import GRDBSQLite
import NIOPosix

/// datastore_search_sql on SQLite: a fresh in-memory connection attaches each named version's file
/// read-only, shows it as a temporary view under its resource id with the table's own column names,
/// and only then runs the reader's SQL under an authorizer that allows reading those rows and
/// allow-listed functions, nothing else, and a progress handler that stops it at its deadline.
extension SQLiteTableEngine {
    public func runSQL(_ query: DatastoreSQL, tables: [String: TableVersion], timeout: Duration) async throws -> SQLAnswer {
        let paths = tables.mapValues { path($0.storage) }
        return try await NIOThreadPool.singleton.runIfActive {
            try Self.run(query, tables: tables, paths: paths, timeout: timeout)
        }
    }

    /// What the authorizer and progress handler read: the deadline and whether it passed.
    final class SQLGuardState {
        let deadline: ContinuousClock.Instant
        var timedOut = false
        init(deadline: ContinuousClock.Instant) { self.deadline = deadline }
    }

    static func run(_ query: DatastoreSQL, tables: [String: TableVersion], paths: [String: String], timeout: Duration) throws -> SQLAnswer {
        let db = try SQLiteConnection(path: ":memory:", readOnly: false)
        for (index, (name, version)) in tables.sorted(by: { $0.key < $1.key }).enumerated() {
            let file = paths[name]!.replacingOccurrences(of: "'", with: "''")
            try db.execute("ATTACH DATABASE 'file:\(file)?mode=ro' AS s\(index)")
            let columns = version.columns.enumerated().map { i, column in
                "c\(i) AS \"\(column.name.replacingOccurrences(of: "\"", with: "\"\""))\""
            }.joined(separator: ", ")
            try db.execute(
                "CREATE TEMP VIEW \"\(name.replacingOccurrences(of: "\"", with: "\"\""))\" AS SELECT \(columns) FROM s\(index).rows")
        }
        let state = SQLGuardState(deadline: .now + timeout)
        let context = Unmanaged.passUnretained(state).toOpaque()
        sqlite3_set_authorizer(
            db.handle,
            { _, action, first, second, database, _ in
                switch action {
                case SQLITE_SELECT, SQLITE_RECURSIVE: return SQLITE_OK
                case SQLITE_READ:
                    // The temporary views (the only objects in temp) and the attached rows tables they
                    // read may be read; nothing else, so no catalogue or index shadow table.
                    let table = first.map { String(cString: $0) } ?? ""
                    let schema = database.map { String(cString: $0) } ?? ""
                    if schema.isEmpty { return SQLITE_OK }  // a WITH query's own name, not a stored table
                    if schema == "temp" && table != "sqlite_temp_master" && table != "sqlite_master" { return SQLITE_OK }
                    return table == "rows" && schema.hasPrefix("s") && schema.dropFirst().allSatisfy(\.isNumber) ? SQLITE_OK : SQLITE_DENY
                case SQLITE_FUNCTION:
                    let name = second.map { String(cString: $0).lowercased() } ?? ""
                    return DatastoreSQL.allowedFunctions.contains(name) ? SQLITE_OK : SQLITE_DENY
                default: return SQLITE_DENY
                }
            }, nil)
        sqlite3_progress_handler(
            db.handle, 1000,
            { context in
                let state = Unmanaged<SQLGuardState>.fromOpaque(context!).takeUnretainedValue()
                if ContinuousClock.now > state.deadline {
                    state.timedOut = true
                    return 1
                }
                return 0
            }, context)
        defer {
            sqlite3_progress_handler(db.handle, 0, nil, nil)
            sqlite3_set_authorizer(db.handle, nil, nil)
        }
        var statement: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let status = query.sql.withCString { sqlite3_prepare_v2(db.handle, $0, -1, &statement, &tail) }
        guard status == SQLITE_OK, let statement else {
            let message = db.errorMessage
            if status == SQLITE_AUTH || message.contains("not authorized") || message.contains("prohibited") {
                throw Problem(
                    .forbidden,
                    "The query reads something other than datastore tables, or calls a function that is not allowed: \(message).")
            }
            throw Problem(.validation, "The sql cannot be run: \(message).", errors: [.init(field: "sql", message: message)])
        }
        defer { sqlite3_finalize(statement) }
        if let tail, tail.pointee != 0, !String(cString: tail).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw Problem(.forbidden, "Only a single SELECT statement is allowed: the sql holds more than one.")
        }
        guard sqlite3_stmt_readonly(statement) != 0 else { throw Problem(.forbidden, "Only reading is allowed.") }
        let count = sqlite3_column_count(statement)
        let columns = (0..<count).map { String(cString: sqlite3_column_name(statement, $0)) }
        var rows: [[SQLValue]] = []
        var truncated = false
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else {
                if state.timedOut {
                    throw Problem(.conflict, "Query canceled: it ran past the \(timeout) statement time limit.")
                }
                throw Problem(.validation, "The sql failed: \(db.errorMessage).", errors: [.init(field: "sql", message: db.errorMessage)])
            }
            if rows.count == DatastoreSQL.maxRows {
                truncated = true
                break
            }
            rows.append((0..<count).map { SQLiteConnection.value(statement, $0) })
        }
        return SQLAnswer(columns: columns, rows: rows, truncated: truncated)
    }
}
