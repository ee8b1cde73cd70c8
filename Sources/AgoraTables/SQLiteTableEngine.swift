import AgoraCore
import AgoraStore
import Foundation
import GRDBSQLite
import NIOPosix
import Synchronization

/// Each table version is its own SQLite file under `directory`: built with journaling off (nothing
/// can see it until it is complete), renamed into place when done, then read in WAL mode, so a
/// catalogue write never waits for an import. Its rows never change; what can be added later is an
/// index: a query shape that proves slow (equality filters, then an order or a range) gets a
/// composite index built in the background, which later queries use.
public final class SQLiteTableEngine: TableEngine {
    public let directory: URL
    private let pools = Mutex<[String: ReadPool]>([:])
    /// A query slower than this suggests an index for its shape.
    let autoIndexAfter: Duration
    /// Composite indexes asked for or built, by storage and columns.
    private let autoIndexes = Mutex<Set<String>>([])
    static let maxAutoIndexes = 8
    public var dialect: SQLDialect { .sqlite }

    public init(directory: URL, autoIndexAfter: Duration = .milliseconds(20)) throws {
        self.directory = directory
        self.autoIndexAfter = autoIndexAfter
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        removeAbandonedBuilds()
    }

    public func tableName(storage: String) -> String { "rows" }

    func path(_ storage: String) -> String { directory.appendingPathComponent("\(storage).sqlite").path }

    /// Builds that a killed process left behind; an hour is far longer than any live build takes to touch its file.
    private func removeAbandonedBuilds() {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in files where name.hasSuffix(".building") {
            let path = directory.appendingPathComponent(name).path
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
            if Date().timeIntervalSince(modified) > 3600 { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    // MARK: Loading

    public func load(
        profile: TableProfile, rows: RowSource, progress: @escaping @Sendable (LoadProgress) -> Void
    ) async throws
        -> String
    {
        let storage = StorageName.make()
        let final = path(storage)
        let building = final + ".building"
        do {
            try await NIOThreadPool.singleton.runIfActive {
                try Self.build(at: building, profile: profile, rows: rows, progress: progress)
            }
            guard rename(building, final) == 0 else {
                throw Problem(.internalError, "A finished table file could not be moved into place.")
            }
            fsyncDirectory()
        } catch {
            try? FileManager.default.removeItem(atPath: building)
            throw error
        }
        return storage
    }

    private func fsyncDirectory() {
        let descriptor = open(directory.path, O_RDONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }

    static func declaredType(_ column: TableColumn) -> String {
        switch column.type {
        case .integer, .boolean: return "INTEGER"
        case .decimal: return column.exact ? "TEXT" : "REAL"
        case .date, .datetime, .text: return "TEXT"
        }
    }

    private static func build(at path: String, profile: TableProfile, rows: RowSource, progress: (LoadProgress) -> Void) throws {
        try? FileManager.default.removeItem(atPath: path)
        let db = try SQLiteConnection(path: path, readOnly: false)
        try db.execute(
            """
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;
            PRAGMA page_size = 8192; PRAGMA cache_size = -16384; PRAGMA temp_store = FILE;
            """)
        let columns = profile.columns.enumerated().map { "c\($0.offset) \(declaredType($0.element))" }
        try db.execute("CREATE TABLE rows (\(columns.joined(separator: ", ")))")
        let placeholders = Array(repeating: "?", count: profile.columns.count).joined(separator: ", ")
        let insert = try db.prepare("INSERT INTO rows VALUES (\(placeholders))")
        let types = profile.columns.map(\.type)
        try db.execute("BEGIN")
        var loaded = 0
        var scratch: [UInt8] = []
        let total = rows.totalBytes
        while try rows.reader.next({ record in
            try record.bytes.withUnsafeBufferPointer { base in
                for i in 0..<types.count {
                    let range = record.range(i)
                    let position = Int32(i + 1)
                    if range.isEmpty {
                        sqlite3_bind_null(insert, position)
                        continue
                    }
                    let start = base.baseAddress! + range.lowerBound
                    switch types[i] {
                    case .boolean:
                        let first = start.pointee | 0x20
                        sqlite3_bind_int64(insert, position, first == UInt8(ascii: "t") || first == UInt8(ascii: "y") ? 1 : 0)
                    case .datetime where range.count > 10 && start[10] == UInt8(ascii: " "):
                        scratch.removeAll(keepingCapacity: true)
                        scratch.append(contentsOf: UnsafeBufferPointer(start: start, count: range.count))
                        scratch[10] = UInt8(ascii: "T")
                        scratch.withUnsafeBufferPointer { copy in
                            _ = copy.withMemoryRebound(to: CChar.self) {
                                sqlite3_bind_text(insert, position, $0.baseAddress, Int32(range.count), SQLiteConnection.transient)
                            }
                        }
                    default:
                        // The column's affinity turns integer and decimal text into numbers inside SQLite.
                        _ = start.withMemoryRebound(to: CChar.self, capacity: range.count) {
                            sqlite3_bind_text(insert, position, $0, Int32(range.count), SQLiteConnection.isStatic)
                        }
                    }
                }
                guard sqlite3_step(insert) == SQLITE_DONE else {
                    throw Problem(.internalError, "Row \(loaded + 1) could not be stored: \(db.errorMessage)")
                }
                sqlite3_reset(insert)
                loaded += 1
            }
        }) {
            progress(LoadProgress(phase: .loading, bytes: rows.reader.bytesRead, totalBytes: total))
            try Task.checkCancellation()
        }
        try db.execute("COMMIT")
        // Sorting for an index may use a second thread.
        try db.execute("PRAGMA threads = 2")
        for i in IndexPolicy.indexed(profile) {
            progress(LoadProgress(phase: .indexing, bytes: 0, totalBytes: total, step: profile.columns[i].name))
            try db.execute("CREATE INDEX rows_c\(i) ON rows (c\(i))")
        }
        let searchable = IndexPolicy.searchable(profile)
        if !searchable.isEmpty {
            progress(LoadProgress(phase: .indexing, bytes: 0, totalBytes: total, step: "full text"))
            let names = searchable.map { "c\($0)" }.joined(separator: ", ")
            try db.execute(
                """
                CREATE VIRTUAL TABLE rows_fts USING fts5(\(names), content = 'rows', content_rowid = 'rowid',
                    detail = none, columnsize = 0, tokenize = 'unicode61 remove_diacritics 0');
                INSERT INTO rows_fts (rows_fts) VALUES ('rebuild');
                """)
        }
        if let geo = profile.geo, let lat = profile.columns.firstIndex(where: { $0.name == geo.latitude }),
            let lon = profile.columns.firstIndex(where: { $0.name == geo.longitude })
        {
            progress(LoadProgress(phase: .indexing, bytes: 0, totalBytes: total, step: "places"))
            try db.execute("CREATE VIRTUAL TABLE rows_geo USING rtree(id, minlat, maxlat, minlon, maxlon)")
            try RTreeBulkLoad.load(db, name: "rows_geo", table: "rows", lat: "c\(lat)", lon: "c\(lon)")
        }
        progress(LoadProgress(phase: .indexing, bytes: 0, totalBytes: total, step: "statistics"))
        try db.execute("ANALYZE")
        try db.execute("PRAGMA journal_mode = WAL")
        let descriptor = open(path, O_RDONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }

    public func drop(storage: String) async throws {
        guard StorageName.isValid(storage) else { return }
        _ = pools.withLock { $0.removeValue(forKey: storage) }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path(storage) + suffix) }
    }

    // MARK: Reading

    /// Read-only connections to one version's file, reused across requests.
    final class ReadPool: @unchecked Sendable {
        let path: String
        private let idle = Mutex<[SQLiteConnection]>([])

        init(path: String) { self.path = path }

        func withConnection<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
            let connection = try idle.withLock { $0.popLast() } ?? SQLiteConnection(path: path, readOnly: true)
            defer { idle.withLock { if $0.count < 16 { $0.append(connection) } } }
            return try await body(connection)
        }
    }

    private func pool(_ storage: String) throws -> ReadPool {
        guard StorageName.isValid(storage) else { throw Problem(.internalError, "A table's storage name is invalid.") }
        return pools.withLock { pools in
            if let pool = pools[storage] { return pool }
            if pools.count >= 64 { pools.removeAll() }
            let pool = ReadPool(path: path(storage))
            pools[storage] = pool
            return pool
        }
    }

    public func stream(
        _ compiled: CompiledQuery, version: TableVersion, encoder: inout RowEncoder, page: Int?,
        emit: ([UInt8]) async throws -> Void
    ) async throws -> [SQLValue]? {
        guard FileManager.default.fileExists(atPath: path(version.storage)) else {
            throw Problem(.unavailable, "This table's data is missing from the server's data directory.")
        }
        let started = ContinuousClock.now
        defer {
            if let shape = compiled.indexShape, ContinuousClock.now - started > autoIndexAfter {
                suggestIndex(storage: version.storage, columns: shape)
            }
        }
        return try await pool(version.storage).withConnection { db in
            let statement = try db.prepare(compiled.sql)
            db.bind(compiled.binds, to: statement)
            defer { sqlite3_reset(statement) }
            let outputs = compiled.columns.count
            let keyStart = Int32(outputs)
            var count = 0
            var lastKeys: [SQLValue]?
            while try db.step(statement) {
                if let page, count == page { return lastKeys ?? [] }
                encoder.row { SQLiteConnection.cell(statement, Int32($0)) }
                count += 1
                if let page, count == page, compiled.keyCount > 0 {
                    lastKeys = (0..<compiled.keyCount).map { SQLiteConnection.value(statement, keyStart + Int32($0)) }
                }
                if encoder.out.count >= 64 << 10 {
                    try await emit(encoder.out)
                    encoder.out.removeAll(keepingCapacity: true)
                }
            }
            return nil
        }
    }

    /// Builds a composite index for a slow query's shape in the background, once per shape; at most a
    /// few per version. Readers carry on meanwhile and use it once it is committed.
    func suggestIndex(storage: String, columns: [Int]) {
        let name = "auto_" + columns.map { "c\($0)" }.joined(separator: "_")
        let key = storage + "/" + name
        let isNew = autoIndexes.withLock { known -> Bool in
            guard !known.contains(key), known.filter({ $0.hasPrefix(storage + "/") }).count < Self.maxAutoIndexes else { return false }
            known.insert(key)
            return true
        }
        guard isNew else { return }
        let path = path(storage)
        let list = columns.map { "c\($0)" }.joined(separator: ", ")
        Task.detached(priority: .background) {
            try? await NIOThreadPool.singleton.runIfActive {
                let db = try SQLiteConnection(path: path, readOnly: false)
                try db.execute(
                    "PRAGMA threads = 2; CREATE INDEX IF NOT EXISTS \(name) ON rows (\(list)); ANALYZE \(name); PRAGMA wal_checkpoint(TRUNCATE);"
                )
            }
        }
    }

    /// The names of a version's indexes, for tests and operators.
    public func indexes(storage: String) async throws -> [String] {
        try await pool(storage).withConnection { db in
            let statement = try db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
            defer { sqlite3_reset(statement) }
            var names: [String] = []
            while try db.step(statement) { names.append(String(cString: sqlite3_column_text(statement, 0))) }
            return names
        }
    }

    public func count(_ compiled: CompiledQuery, version: TableVersion) async throws -> Int {
        try await pool(version.storage).withConnection { db in
            let statement = try db.prepare(compiled.sql)
            db.bind(compiled.binds, to: statement)
            defer { sqlite3_reset(statement) }
            guard try db.step(statement) else { return 0 }
            return Int(sqlite3_column_int64(statement, 0))
        }
    }
}
