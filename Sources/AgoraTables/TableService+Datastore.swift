import AgoraCore
import AgoraPeople
import AgoraStore
import Foundation

/// A cell written through the datastore API: text as the table would read it from CSV, or null.
public typealias DatastoreCell = String?

public enum DatastoreMethod: String, Sendable {
    case insert, update, upsert
}

/// One declared column of a datastore write.
public struct DatastoreColumn: Sendable, Equatable {
    public var name: String
    public var type: ColumnType?
    public init(name: String, type: ColumnType?) {
        self.name = name
        self.type = type
    }
}

/// CKAN-style record writes (datastore_create, datastore_upsert, datastore_delete) on top of the
/// versioned tables: each write reads the served version, applies the records, and publishes the
/// result as the next version through the same import as a file, so readers never see half a write
/// and every write is in the table's history.
extension TableService {
    /// The source name of versions written through the datastore API rather than imported from a file.
    public static let datastoreSourceName = "datastore.csv"

    /// The most rows a datastore write will rebuild; larger tables are replaced by importing a file.
    public static let maxDatastoreRows = 1_000_000

    public func writeRecords(
        slug: String, distributionID: String, columns declared: [DatastoreColumn], records: [[String: DatastoreCell]],
        primaryKey: [String]?, method: DatastoreMethod, by actor: Identity?
    ) async throws -> (table: DataTable, version: TableVersion) {
        try await catalog.requireWritable(slug: slug, by: actor)
        let current = try await store.table(distributionID: distributionID)?.current
        var names = current?.columns.map(\.name) ?? []
        var types: [String: ColumnType] = [:]
        for column in current?.columns ?? [] { types[column.name] = column.type }
        for column in declared {
            if !names.contains(column.name) { names.append(column.name) }
            if let type = column.type { types[column.name] = type }
        }
        let key = primaryKey ?? current?.primaryKey
        // A first write may name its columns by its records alone; later writes must fit the table.
        let mayAddColumns = current == nil && declared.isEmpty
        for (index, record) in records.enumerated() {
            for name in record.keys.sorted() where !names.contains(name) {
                guard mayAddColumns else {
                    throw Problem(
                        .validation, "Record \(index + 1) has a field the table does not have.",
                        errors: [.init(field: "records", message: "row \(index + 1) has extra key \"\(name)\"")])
                }
                names.append(name)
            }
        }
        guard !names.isEmpty else {
            throw Problem(
                .validation, "A datastore table needs fields or records.", errors: [.init(field: "fields", message: "Missing value")])
        }
        if method != .insert && (key ?? []).isEmpty {
            throw Problem(
                .validation, "\(method.rawValue) needs a primary key: declare primary_key when the table is made.",
                errors: [.init(field: "primary_key", message: "Missing value")])
        }
        for name in key ?? [] where !names.contains(name) {
            throw Problem(
                .validation, "The primary key names a column the table does not have.",
                errors: [.init(field: name, message: "not a column")])
        }
        var rows = try await currentRows(current, names: names)
        let keyColumns = (key ?? []).compactMap { names.firstIndex(of: $0) }
        func rowKey(_ row: [DatastoreCell]) -> [String] { keyColumns.map { Self.normalized(row[$0], types[names[$0]]) } }
        var index: [[String]: Int] = [:]
        if !keyColumns.isEmpty { for (i, row) in rows.enumerated() { index[rowKey(row)] = i } }
        for (n, record) in records.enumerated() {
            var row = [DatastoreCell](repeating: nil, count: names.count)
            for (name, value) in record { row[names.firstIndex(of: name)!] = value }
            if keyColumns.isEmpty {
                rows.append(row)
                continue
            }
            for column in keyColumns where row[column] == nil {
                throw Problem(
                    .validation, "Record \(n + 1) has no value for primary key field '\(names[column])'.",
                    errors: [.init(field: "records", message: "row \(n + 1) is missing key \"\(names[column])\"")])
            }
            let found = index[rowKey(row)]
            switch (method, found) {
            case (.insert, .some):
                throw Problem(
                    .conflict, "Record \(n + 1) repeats the primary key \(rowKey(row)) of a row already in the table.",
                    errors: [.init(field: "records", message: "row \(n + 1): duplicate key value violates unique constraint")])
            case (.update, nil):
                throw Problem(
                    .notFound, "Record \(n + 1): no row has the primary key \(rowKey(row)) to update.",
                    errors: [.init(field: "records", message: "row \(n + 1): key \(rowKey(row)) not found")])
            case (_, .some(let at)):
                // Fields a record leaves out keep their values, as in CKAN.
                for (name, value) in record { rows[at][names.firstIndex(of: name)!] = value }
            case (_, nil):
                index[rowKey(row)] = rows.count
                rows.append(row)
            }
        }
        return try await publish(
            rows, names: names, types: types, primaryKey: key, slug: slug, distributionID: distributionID, by: actor)
    }

    /// Removes the rows matching every filter (column → accepted values); no filters empties the table.
    public func deleteRecords(
        slug: String, distributionID: String, filters: [String: [String]], by actor: Identity?
    ) async throws -> (table: DataTable, version: TableVersion, deleted: Int) {
        try await catalog.requireWritable(slug: slug, by: actor)
        guard let current = try await store.table(distributionID: distributionID)?.current else {
            throw Problem(.notFound, "Resource '\(distributionID)' has no datastore table.")
        }
        let names = current.columns.map(\.name)
        var types: [String: ColumnType] = [:]
        for column in current.columns { types[column.name] = column.type }
        var tests: [(Int, Set<String>)] = []
        for (name, values) in filters.sorted(by: { $0.key < $1.key }) {
            guard let column = names.firstIndex(of: name) else {
                throw Problem(
                    .validation, "A filter names a field the table does not have.", errors: [.init(field: name, message: "not a field")])
            }
            tests.append((column, Set(values.map { Self.normalized($0, types[name]) })))
        }
        let rows = try await currentRows(current, names: names)
        let kept = rows.filter { row in !tests.allSatisfy { $0.1.contains(Self.normalized(row[$0.0], types[names[$0.0]])) } }
        let (table, version) = try await publish(
            kept, names: names, types: types, primaryKey: current.primaryKey, slug: slug, distributionID: distributionID, by: actor)
        return (table, version, rows.count - kept.count)
    }

    /// Values compared as the table types them, so `5`, `5.0` and `"5"` name the same key.
    static func normalized(_ value: DatastoreCell, _ type: ColumnType?) -> String {
        guard let value else { return "\u{0}null" }
        switch type {
        case .integer, .decimal: return Double(value).map { String($0) } ?? value
        case .boolean: return TableQuery.boolean(value).map { $0 ? "true" : "false" } ?? value
        default: return value
        }
    }

    /// Every row of the served version as text cells in `names` order (new columns empty).
    private func currentRows(_ version: TableVersion?, names: [String]) async throws -> [[DatastoreCell]] {
        guard let version, version.rowCount > 0 else { return [] }
        guard version.rowCount <= Self.maxDatastoreRows else {
            throw Problem(
                .payloadTooLarge,
                "The table has \(version.rowCount) rows; datastore writes rebuild tables of up to \(Self.maxDatastoreRows). Import a file instead."
            )
        }
        let query = try TableQuery.parse([("_format", "ndjson")], version: version)
        var bytes: [UInt8] = []
        try await answer(query, version: version) { bytes += $0 }
        var rows: [[DatastoreCell]] = []
        rows.reserveCapacity(version.rowCount)
        for line in bytes.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            rows.append(names.map { Self.cell(object[$0]) })
        }
        return rows
    }

    /// A JSON value as the CSV text the import reads back to the same value.
    public static func cell(_ value: Any?) -> DatastoreCell {
        switch value {
        case nil, is NSNull: return nil
        case let text as String: return text
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return number.boolValue ? "true" : "false" }
            return number.stringValue
        case let other?:
            guard JSONSerialization.isValidJSONObject(other),
                let data = try? JSONSerialization.data(withJSONObject: other, options: [.sortedKeys])
            else { return "\(other)" }
            return String(decoding: data, as: UTF8.self)
        }
    }

    private func publish(
        _ rows: [[DatastoreCell]], names: [String], types: [String: ColumnType], primaryKey: [String]?, slug: String,
        distributionID: String, by actor: Identity?
    ) async throws -> (table: DataTable, version: TableVersion) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("datastore-\(UUIDv7.string()).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        var csv: [UInt8] = []
        func append(_ cell: String) {
            if cell.isEmpty || cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || cell.first == " " {
                csv += Array("\"\(cell.replacingOccurrences(of: "\"", with: "\"\""))\"".utf8)
            } else {
                csv += Array(cell.utf8)
            }
        }
        for (i, name) in names.enumerated() {
            if i > 0 { csv.append(UInt8(ascii: ",")) }
            append(name)
        }
        csv.append(UInt8(ascii: "\n"))
        for row in rows {
            for (i, cell) in row.enumerated() {
                if i > 0 { csv.append(UInt8(ascii: ",")) }
                // Null is an empty cell; an empty string is written quoted but reads back as null too.
                if let cell { append(cell) }
            }
            csv.append(UInt8(ascii: "\n"))
        }
        try Data(csv).write(to: file)
        let options = IngestOptions(declaredTypes: types, primaryKey: primaryKey, allowEmpty: true)
        return try await ingest(
            slug: slug, distributionID: distributionID, path: file.path, fileName: Self.datastoreSourceName, options: options, by: actor)
    }
}

extension TableService {
    /// The longest a datastore_search_sql query may run.
    public static let sqlTimeout: Duration = .seconds(5)

    /// CKAN's datastore_search_sql: a reader's single SELECT over resources' tables, named by
    /// resource id in double quotes, read-only and time-limited.
    public func searchSQL(_ sql: String, timeout: Duration = TableService.sqlTimeout) async throws -> SQLAnswer {
        let query = try DatastoreSQL(sql)
        var tables: [String: TableVersion] = [:]
        for name in query.quotedNames {
            if let version = try await store.table(distributionID: name)?.current { tables[name] = version }
        }
        return try await engine.runSQL(query, tables: tables, timeout: timeout)
    }
}
