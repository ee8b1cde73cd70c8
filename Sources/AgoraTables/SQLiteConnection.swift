import AgoraCore
import Foundation
import GRDBSQLite

/// A bare SQLite connection for table files. Tables are read with prepared statements straight into
/// response bytes, which GRDB's row decoding would slow; catalogue data stays with GRDB.
final class SQLiteConnection: @unchecked Sendable {  // one task at a time: pooled, never shared
    private(set) var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    /// Opens `path`; a reader (`readOnly`) never writes, though the file stays in WAL mode so that
    /// indexes can be added beside running readers.
    init(path: String, readOnly: Bool) throws {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (readOnly ? 0 : SQLITE_OPEN_CREATE)
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "status \(status)"
            sqlite3_close_v2(handle)
            handle = nil
            throw Problem(.internalError, "A table file could not be opened: \(message)")
        }
        sqlite3_busy_timeout(handle, 60_000)
        if readOnly { try execute("PRAGMA query_only = 1") }
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    var errorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? errorMessage
            sqlite3_free(error)
            throw Problem(.internalError, "A table operation failed: \(message)")
        }
    }

    /// A prepared statement, cached by its text, reset and with bindings cleared.
    func prepare(_ sql: String) throws -> OpaquePointer {
        if let cached = statements[sql] {
            sqlite3_reset(cached)
            sqlite3_clear_bindings(cached)
            return cached
        }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
            let statement
        else { throw Problem(.internalError, "A table query could not be prepared: \(errorMessage)") }
        if statements.count > 64 {
            for old in statements.values { sqlite3_finalize(old) }
            statements.removeAll()
        }
        statements[sql] = statement
        return statement
    }

    func bind(_ values: [SQLValue], to statement: OpaquePointer) {
        for (i, value) in values.enumerated() {
            let position = Int32(i + 1)
            switch value {
            case .null: sqlite3_bind_null(statement, position)
            case .integer(let v): sqlite3_bind_int64(statement, position, v)
            case .real(let v): sqlite3_bind_double(statement, position, v)
            case .boolean(let v): sqlite3_bind_int64(statement, position, v ? 1 : 0)
            case .text(let v): sqlite3_bind_text(statement, position, v, -1, SQLiteConnection.transient)
            }
        }
    }

    /// Steps once: true for a row, false when done.
    func step(_ statement: OpaquePointer) throws -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw Problem(.internalError, "A table query failed: \(errorMessage)")
        }
    }

    static func cell(_ statement: OpaquePointer, _ column: Int32) -> Cell {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
        case SQLITE_NULL: return .null
        default:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard let pointer = sqlite3_column_text(statement, column) else { return .text(UnsafeBufferPointer(start: nil, count: 0)) }
            return .text(UnsafeBufferPointer(start: pointer, count: count))
        }
    }

    static func value(_ statement: OpaquePointer, _ column: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
        case SQLITE_NULL: return .null
        default: return .text(String(cString: sqlite3_column_text(statement, column)))
        }
    }

    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    static let isStatic = unsafeBitCast(0, to: sqlite3_destructor_type.self)
}
