import AgoraCore
import AgoraStore
import Foundation

/// Where table rows live. The SQLite engine keeps each version in its own file; the PostgreSQL
/// engine in its own table. Both take the same `TableQuery` and give the same answers.
public protocol TableEngine: Sendable {
    /// Loads every row into new storage and builds its indexes; returns the storage's name. A failure
    /// or cancellation leaves nothing behind, and nothing is visible until the caller publishes it.
    func load(profile: TableProfile, rows: RowSource, progress: @escaping @Sendable (LoadProgress) -> Void) async throws -> String
    /// Removes a version's storage (after a newer version replaced it, or a failed publish).
    func drop(storage: String) async throws
    /// Writes the rows `compiled` selects into `encoder`, handing full chunks to `emit`; returns the
    /// keys of the page's last row when there are more than `page` rows.
    func stream(
        _ compiled: CompiledQuery, version: TableVersion, encoder: inout RowEncoder, page: Int?,
        emit: ([UInt8]) async throws -> Void
    ) async throws -> [SQLValue]?
    func count(_ compiled: CompiledQuery, version: TableVersion) async throws -> Int
    var dialect: SQLDialect { get }
    func tableName(storage: String) -> String
    /// Runs a reader's checked SQL over the named versions (resource id → version), read-only and
    /// stopped at `timeout`; the names are the SQL's table names, the columns the tables' own.
    func runSQL(_ query: DatastoreSQL, tables: [String: TableVersion], timeout: Duration) async throws -> SQLAnswer
}

public struct LoadProgress: Sendable {
    public enum Phase: String, Sendable {
        case reading = "checking and inferring types"
        case loading = "loading rows"
        case indexing = "building indexes"
    }
    public var phase: Phase
    public var bytes: Int
    public var totalBytes: Int
    /// Which index is being built, for a closing summary of where the time went.
    public var step: String?

    public init(phase: Phase, bytes: Int, totalBytes: Int, step: String? = nil) {
        self.phase = phase
        self.bytes = bytes
        self.totalBytes = totalBytes
        self.step = step
    }
}

/// The second pass's rows, handed to an engine; reading happens on the engine's thread.
public final class RowSource: @unchecked Sendable {
    var reader: any RowReader
    let totalBytes: Int

    init(reader: any RowReader, totalBytes: Int) {
        self.reader = reader
        self.totalBytes = totalBytes
    }
}

enum StorageName {
    /// A fresh name made of letters and digits only, so it is safe in file names and SQL.
    static func make() -> String { "t" + UUIDv7.string().replacingOccurrences(of: "-", with: "") }

    static func isValid(_ name: String) -> Bool {
        name.count <= 40 && name.first == "t" && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}

/// Which columns get a B-tree index: every typed column, and text short enough to be a category or
/// a code. Long free text is left to full-text search.
enum IndexPolicy {
    static let maxIndexes = 64
    static let maxIndexedTextLength = 64

    static func indexed(_ profile: TableProfile) -> [Int] {
        var out: [Int] = []
        for (i, column) in profile.columns.enumerated() where out.count < maxIndexes {
            // The places index answers boxes and distances; the geometry is served, not searched.
            if let geo = profile.geo, [geo.geometry, geo.latitude, geo.longitude].contains(column.name) { continue }
            if column.nulls == profile.rowCount { continue }
            if column.type == .text && profile.longest[i] > maxIndexedTextLength { continue }
            out.append(i)
        }
        return out
    }

    static func searchable(_ profile: TableProfile) -> [Int] {
        profile.columns.indices.filter { profile.columns[$0].type == .text && profile.columns[$0].name != profile.geo?.geometry }
    }
}
