import AgoraCore
import AgoraStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Each table version is a PostgreSQL table in the store's schema, loaded with COPY inside one
/// transaction: an interrupted load rolls back and leaves nothing. Full-text search is a generated
/// tsvector with a GIN index; places are a generated `point` with a GiST index (the R*Tree's peer).
public struct PostgresTableEngine: TableEngine {
    let client: PostgresClient
    let logger = Logger(label: "agora.tables.postgres")
    public var dialect: SQLDialect { .postgres }

    public init(client: PostgresClient) { self.client = client }

    public func tableName(storage: String) -> String { "\"\(storage)\"" }

    static func declaredType(_ column: TableColumn) -> String {
        switch column.type {
        case .integer: return "bigint"
        case .decimal: return column.exact ? "numeric" : "double precision"
        case .boolean: return "boolean"
        case .date, .datetime, .text: return "text"
        }
    }

    public func load(
        profile: TableProfile, rows: RowSource, progress: @escaping @Sendable (LoadProgress) -> Void
    ) async throws
        -> String
    {
        let storage = StorageName.make()
        let table = tableName(storage: storage)
        let logger = logger
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                var definitions = ["_row bigint NOT NULL"]
                definitions += profile.columns.enumerated().map { "c\($0.offset) \(Self.declaredType($0.element))" }
                let searchable = IndexPolicy.searchable(profile)
                if !searchable.isEmpty {
                    let text = searchable.map { "coalesce(c\($0), '')" }.joined(separator: " || ' ' || ")
                    definitions.append("_fts tsvector GENERATED ALWAYS AS (to_tsvector('simple', \(text))) STORED")
                }
                var geoColumns: (Int, Int)?
                if let geo = profile.geo, let lat = profile.columns.firstIndex(where: { $0.name == geo.latitude }),
                    let lon = profile.columns.firstIndex(where: { $0.name == geo.longitude })
                {
                    geoColumns = (lat, lon)
                    definitions.append("_geo point GENERATED ALWAYS AS (point(c\(lon), c\(lat))) STORED")
                }
                try await connection.query(
                    PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (\(definitions.joined(separator: ", ")))"), logger: logger)
                let names = ["_row"] + profile.columns.indices.map { "c\($0)" }
                let types = profile.columns.map(\.type)
                try await connection.copyFrom(table: storage, columns: names, logger: logger) { writer in
                    var row = 0
                    var buffer = ByteBuffer()
                    buffer.reserveCapacity(1 << 20)
                    var more = true
                    while more {
                        more = try rows.reader.next { record in
                            row += 1
                            Self.appendCopyRow(record, row: row, types: types, to: &buffer)
                        }
                        if buffer.readableBytes > 0 {
                            try await writer.write(buffer)
                            buffer.clear()
                        }
                        progress(LoadProgress(phase: .loading, bytes: rows.reader.bytesRead, totalBytes: rows.totalBytes))
                    }
                }
                progress(LoadProgress(phase: .indexing, bytes: 0, totalBytes: rows.totalBytes))
                var statements = ["ALTER TABLE \(table) ADD PRIMARY KEY (_row)"]
                statements += IndexPolicy.indexed(profile).map { "CREATE INDEX ON \(table) (c\($0))" }
                if !searchable.isEmpty { statements.append("CREATE INDEX ON \(table) USING gin (_fts)") }
                if geoColumns != nil { statements.append("CREATE INDEX ON \(table) USING gist (_geo)") }
                statements.append("ANALYZE \(table)")
                for sql in statements { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
        return storage
    }

    /// One row in COPY's text format: tab-separated, `\N` for null, backslash escapes.
    static func appendCopyRow(_ record: CSVRecord, row: Int, types: [ColumnType], to buffer: inout ByteBuffer) {
        buffer.writeString(String(row))
        record.bytes.withUnsafeBufferPointer { base in
            for i in 0..<types.count {
                buffer.writeInteger(UInt8(ascii: "\t"))
                let range = record.range(i)
                if range.isEmpty {
                    buffer.writeBytes([92, 78])
                    continue
                }
                let cell = UnsafeBufferPointer(rebasing: base[range])
                switch types[i] {
                case .boolean:
                    let first = cell[0] | 0x20
                    buffer.writeInteger(first == UInt8(ascii: "t") || first == UInt8(ascii: "y") ? UInt8(ascii: "t") : UInt8(ascii: "f"))
                case .integer, .decimal:
                    buffer.writeBytes(cell)
                default:
                    var start = 0
                    for (k, b) in cell.enumerated()
                    where b == 92 || b == 9 || b == 10 || b == 13 || (k == 10 && b == 32 && types[i] == .datetime) {
                        if k > start { buffer.writeBytes(UnsafeBufferPointer(rebasing: cell[start..<k])) }
                        start = k + 1
                        switch b {
                        case 92: buffer.writeBytes([92, 92])
                        case 9: buffer.writeBytes([92, 116])
                        case 10: buffer.writeBytes([92, 110])
                        case 13: buffer.writeBytes([92, 114])
                        default: buffer.writeInteger(UInt8(ascii: "T"))
                        }
                    }
                    if cell.count > start { buffer.writeBytes(UnsafeBufferPointer(rebasing: cell[start..<cell.count])) }
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    public func drop(storage: String) async throws {
        guard StorageName.isValid(storage) else { return }
        try await client.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(tableName(storage: storage))"), logger: logger)
    }

    static func bindings(_ values: [SQLValue]) throws -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values {
            switch value {
            case .null: binds.appendNull()
            case .integer(let v): binds.append(v)
            case .real(let v): binds.append(v)
            case .boolean(let v): binds.append(v)
            case .text(let v): binds.append(v)
            }
        }
        return binds
    }

    private enum Slot {
        case null
        case integer(Int64)
        case real(Double)
        case boolean(Bool)
        case text(Range<Int>)
    }

    private static func slot(_ cell: PostgresCell, scratch: inout [UInt8]) -> Slot {
        guard var bytes = cell.bytes else { return .null }
        switch cell.dataType {
        case .int8: return bytes.readInteger(as: Int64.self).map(Slot.integer) ?? .null
        case .int4: return bytes.readInteger(as: Int32.self).map { .integer(Int64($0)) } ?? .null
        case .int2: return bytes.readInteger(as: Int16.self).map { .integer(Int64($0)) } ?? .null
        case .float8: return bytes.readInteger(as: UInt64.self).map { .real(Double(bitPattern: $0)) } ?? .null
        case .float4: return bytes.readInteger(as: UInt32.self).map { .real(Double(Float(bitPattern: $0))) } ?? .null
        case .bool: return bytes.readInteger(as: UInt8.self).map { .boolean($0 != 0) } ?? .null
        default:
            let start = scratch.count
            scratch.append(contentsOf: bytes.readableBytesView)
            return .text(start..<scratch.count)
        }
    }

    public func stream(
        _ compiled: CompiledQuery, version: TableVersion, encoder: inout RowEncoder, page: Int?,
        emit: ([UInt8]) async throws -> Void
    ) async throws -> [SQLValue]? {
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: compiled.sql, binds: try Self.bindings(compiled.binds)), logger: logger)
        var count = 0
        var lastKeys: [SQLValue]?
        var scratch: [UInt8] = []
        var slots: [Slot] = []
        let outputs = compiled.columns.count
        for try await row in rows {
            if let page, count == page { return lastKeys ?? [] }
            scratch.removeAll(keepingCapacity: true)
            slots.removeAll(keepingCapacity: true)
            for cell in row { slots.append(Self.slot(cell, scratch: &scratch)) }
            let current = slots
            scratch.withUnsafeBufferPointer { base in
                encoder.row { i in
                    switch current[i] {
                    case .null: return .null
                    case .integer(let v): return .integer(v)
                    case .real(let v): return .real(v)
                    case .boolean(let v): return .boolean(v)
                    case .text(let range): return .text(UnsafeBufferPointer(rebasing: base[range]))
                    }
                }
            }
            count += 1
            if let page, count == page, compiled.keyCount > 0 {
                lastKeys = current[outputs...].map { slot in
                    switch slot {
                    case .null: return .null
                    case .integer(let v): return .integer(v)
                    case .real(let v): return .real(v)
                    case .boolean(let v): return .boolean(v)
                    case .text(let range): return .text(String(decoding: scratch[range], as: UTF8.self))
                    }
                }
            }
            if encoder.out.count >= 64 << 10 {
                try await emit(encoder.out)
                encoder.out.removeAll(keepingCapacity: true)
            }
        }
        return nil
    }

    public func count(_ compiled: CompiledQuery, version: TableVersion) async throws -> Int {
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: compiled.sql, binds: try Self.bindings(compiled.binds)), logger: logger)
        for try await value in rows.decode(Int64.self) { return Int(value) }
        return 0
    }
}
