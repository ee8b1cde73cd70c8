import AgoraCore
import AgoraStore
import Foundation

/// A value bound to a query placeholder.
public enum SQLValue: Sendable, Equatable, Codable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case boolean(Bool)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .real(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .boolean(value)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .integer(let value): try container.encode(value)
        case .real(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .boolean(let value): try container.encode(value)
        }
    }
}

public enum FilterOperator: String, Sendable, CaseIterable {
    case eq, gt, gte, lt, lte, ne, `in`, contains, startswith, isnull
}

public enum Aggregate: String, Sendable, CaseIterable {
    case count, sum, avg, min, max
}

public enum ExportFormat: String, Sendable, CaseIterable {
    case json, csv, ndjson, geojson

    public var contentType: String {
        switch self {
        case .json: "application/json"
        case .csv: "text/csv; charset=utf-8"
        case .ndjson: "application/x-ndjson"
        case .geojson: "application/geo+json"
        }
    }
}

/// A parsed, checked request for rows: every column named exists, every value has its column's type.
public struct TableQuery: Sendable, Equatable {
    public struct Filter: Sendable, Equatable {
        public var column: Int
        public var op: FilterOperator
        public var values: [SQLValue]
    }

    public struct SortKey: Sendable, Equatable {
        public var column: Int
        public var descending: Bool
    }

    public struct Near: Sendable, Equatable {
        public var latitude: Double
        public var longitude: Double
        public var radius: Double
    }

    public struct BBox: Sendable, Equatable {
        public var west: Double, south: Double, east: Double, north: Double
    }

    public struct AggregateColumn: Sendable, Equatable {
        public var function: Aggregate
        /// nil for count(*).
        public var column: Int?
        public var name: String
    }

    public var filters: [Filter] = []
    public var sort: [SortKey] = []
    /// The columns to return, in order; all when not asked.
    public var fields: [Int]
    public var size: Int?
    public var after: [SQLValue]?
    public var text: [String] = []
    public var near: Near?
    public var bbox: BBox?
    public var group: [Int] = []
    public var aggregates: [AggregateColumn] = []
    /// Sorting of grouped rows, by output position.
    public var groupSort: [(position: Int, descending: Bool)] = []
    public var groupOffset = 0
    public var count = false
    public var format: ExportFormat?
    /// Rows to skip, for clients that page by offset (CKAN's datastore_search); the native API pages
    /// by cursor instead.
    public var offset = 0

    public var isGrouped: Bool { !group.isEmpty }

    public static func == (a: TableQuery, b: TableQuery) -> Bool {
        a.filters == b.filters && a.sort == b.sort && a.fields == b.fields && a.size == b.size && a.after == b.after
            && a.text == b.text && a.near == b.near && a.bbox == b.bbox && a.group == b.group && a.aggregates == b.aggregates
            && a.groupSort.map(\.position) == b.groupSort.map(\.position)
            && a.groupSort.map(\.descending) == b.groupSort.map(\.descending) && a.groupOffset == b.groupOffset
            && a.count == b.count && a.format == b.format && a.offset == b.offset
    }

    public static let defaultSize = 100
    public static let maxSize = 10_000
    public static let maxRadius = 100_000.0

    /// Parses URL query parameters (in order, repeats allowed) against a table version's columns.
    /// Unknown columns, operators and parameters, and values of the wrong type, are a 400 naming them.
    public static func parse(_ parameters: [(String, String)], version: TableVersion) throws -> TableQuery {
        var query = TableQuery(fields: Array(version.columns.indices))
        var errors: [Problem.FieldError] = []
        func fail(_ field: String, _ message: String) { errors.append(.init(field: field, message: message)) }
        func columnIndex(_ name: String, field: String) -> Int? {
            if let found = version.column(named: name) { return found.index }
            fail(field, "There is no column '\(name)'. Columns: \(version.columns.map(\.name).joined(separator: ", ")).")
            return nil
        }
        func list(_ value: String) -> [String] {
            value.split(separator: ",", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        var sortParameter: [String] = []
        var groupParameter: [String] = []
        var aggregateParameter: [String] = []
        var radius: Double?
        var nearValue: (Double, Double)?
        var afterParameter: String?

        for (key, value) in parameters {
            if key.hasPrefix("_") {
                switch key {
                case "_sort": sortParameter += list(value)
                case "_fields":
                    let names = list(value)
                    query.fields = names.compactMap { columnIndex($0, field: "_fields") }
                    if names.isEmpty { fail("_fields", "Name at least one column.") }
                case "_size":
                    guard let size = Int(value), size >= 1, size <= maxSize else {
                        fail("_size", "Must be a whole number from 1 to \(maxSize).")
                        continue
                    }
                    query.size = size
                case "_after": afterParameter = value
                case "_q":
                    query.text = SearchWords.of(value, limit: 16)
                    if query.text.isEmpty && !value.isEmpty { fail("_q", "Search for at least one word.") }
                case "_near":
                    let parts = list(value).compactMap(Double.init)
                    guard parts.count == 2, abs(parts[0]) <= 90, abs(parts[1]) <= 180 else {
                        fail("_near", "Must be latitude,longitude in degrees, such as 51.5,-0.12.")
                        continue
                    }
                    nearValue = (parts[0], parts[1])
                case "_radius":
                    guard let metres = Double(value), metres > 0, metres <= maxRadius else {
                        fail("_radius", "Must be a distance in metres, more than 0 and at most \(Int(maxRadius)).")
                        continue
                    }
                    radius = metres
                case "_bbox":
                    let parts = list(value).compactMap(Double.init)
                    guard parts.count == 4, parts[0] < parts[2], parts[1] < parts[3], abs(parts[1]) <= 90, abs(parts[3]) <= 90,
                        abs(parts[0]) <= 180, abs(parts[2]) <= 180
                    else {
                        fail("_bbox", "Must be west,south,east,north in degrees, west < east and south < north.")
                        continue
                    }
                    query.bbox = BBox(west: parts[0], south: parts[1], east: parts[2], north: parts[3])
                case "_group": groupParameter += list(value)
                case "_agg": aggregateParameter += list(value)
                case "_count":
                    guard let flag = boolean(value) else {
                        fail("_count", "Must be true or false.")
                        continue
                    }
                    query.count = flag
                case "_format":
                    guard let format = ExportFormat(rawValue: value) else {
                        fail("_format", "Must be one of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
                        continue
                    }
                    query.format = format
                default:
                    fail(
                        key,
                        "Unknown parameter. Parameters: _sort, _fields, _size, _after, _q, _near, _radius, _bbox, _group, _agg, "
                            + "_count, _format, and column filters such as name=value or name__gte=value.")
                }
                continue
            }
            var name = key
            var op = FilterOperator.eq
            if let range = key.range(of: "__", options: .backwards) {
                let suffix = String(key[range.upperBound...])
                guard let parsed = FilterOperator(rawValue: suffix), parsed != .eq else {
                    if version.column(named: key) == nil {
                        fail(
                            key,
                            "Unknown operator '__\(suffix)'. Operators: "
                                + FilterOperator.allCases.filter { $0 != .eq }.map { "__\($0.rawValue)" }.joined(separator: ", ") + ".")
                        continue
                    }
                    name = key
                    op = .eq
                    if let index = columnIndex(name, field: key) { addFilter(index, op, value, key) }
                    continue
                }
                name = String(key[..<range.lowerBound])
                op = parsed
            }
            if let index = columnIndex(name, field: key) { addFilter(index, op, value, key) }
        }

        func addFilter(_ index: Int, _ op: FilterOperator, _ raw: String, _ field: String) {
            let column = version.columns[index]
            switch op {
            case .isnull:
                guard let flag = boolean(raw) else { return fail(field, "Must be true or false.") }
                query.filters.append(Filter(column: index, op: .isnull, values: [.boolean(flag)]))
            case .contains, .startswith:
                guard [.text, .date, .datetime].contains(column.type) || column.exact else {
                    return fail(field, "__\(op.rawValue) works on text columns; '\(column.name)' holds \(column.type.rawValue) values.")
                }
                guard !raw.isEmpty else { return fail(field, "Give some text to look for.") }
                query.filters.append(Filter(column: index, op: op, values: [.text(raw)]))
            case .in:
                var values: [SQLValue] = []
                for part in raw.split(separator: ",", omittingEmptySubsequences: false).prefix(1000) {
                    guard let value = typed(String(part), column) else {
                        return fail(field, "'\(part)' is not \(article(column.type)) value.")
                    }
                    values.append(value)
                }
                query.filters.append(Filter(column: index, op: .in, values: values))
            default:
                guard let value = typed(raw, column) else { return fail(field, "'\(raw)' is not \(article(column.type)) value.") }
                query.filters.append(Filter(column: index, op: op, values: [value]))
            }
        }

        if let nearValue {
            query.near = Near(latitude: nearValue.0, longitude: nearValue.1, radius: radius ?? 1000)
        } else if radius != nil {
            fail("_radius", "Give _near=latitude,longitude with _radius.")
        }
        if (query.near != nil || query.bbox != nil) && version.geo == nil {
            fail(query.near != nil ? "_near" : "_bbox", "This table has no latitude and longitude columns.")
        }
        if query.format == .geojson && version.geo == nil {
            fail("_format", "GeoJSON needs a table with latitude and longitude columns.")
        }

        if !groupParameter.isEmpty || !aggregateParameter.isEmpty {
            if groupParameter.isEmpty { fail("_agg", "Give _group=column with _agg.") }
            query.group = groupParameter.compactMap { columnIndex($0, field: "_group") }
            for spec in aggregateParameter.isEmpty ? ["count"] : aggregateParameter {
                let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
                guard let function = Aggregate(rawValue: parts[0]) else {
                    fail("_agg", "Unknown aggregate '\(parts[0])'. Aggregates: count, sum, avg, min, max.")
                    continue
                }
                if parts.count == 1 {
                    guard function == .count else {
                        fail("_agg", "\(function.rawValue) needs a column, as \(function.rawValue):column.")
                        continue
                    }
                    query.aggregates.append(AggregateColumn(function: .count, column: nil, name: "count"))
                    continue
                }
                guard let index = columnIndex(parts[1], field: "_agg") else { continue }
                let type = version.columns[index].type
                if (function == .sum || function == .avg) && !type.isNumeric {
                    fail("_agg", "\(function.rawValue) needs a numeric column; '\(parts[1])' holds \(type.rawValue) values.")
                    continue
                }
                query.aggregates.append(AggregateColumn(function: function, column: index, name: "\(function.rawValue)_\(parts[1])"))
            }
            let outputNames = query.group.map { version.columns[$0].name } + query.aggregates.map(\.name)
            for key in sortParameter {
                let descending = key.hasPrefix("-")
                let name = descending ? String(key.dropFirst()) : key
                guard let position = outputNames.firstIndex(of: name) else {
                    fail("_sort", "Sort grouped rows by a group column or an aggregate: \(outputNames.joined(separator: ", ")).")
                    continue
                }
                query.groupSort.append((position, descending))
            }
            if let afterParameter {
                guard let offset = Int(afterParameter), offset >= 0 else {
                    fail("_after", "Not a cursor this table gave out.")
                    return query
                }
                query.groupOffset = offset
            }
        } else {
            for key in sortParameter {
                let descending = key.hasPrefix("-")
                let name = descending ? String(key.dropFirst()) : key
                if let index = columnIndex(name, field: "_sort") { query.sort.append(SortKey(column: index, descending: descending)) }
            }
            if let afterParameter {
                if let values = Cursor.decode(afterParameter), values.count == query.keyCount {
                    query.after = values
                } else {
                    fail("_after", "Not a cursor this query gave out; start again without _after.")
                }
            }
        }
        guard errors.isEmpty else {
            throw Problem(.badRequest, "The query has errors: \(errors.map(\.field).joined(separator: ", ")).", errors: errors)
        }
        return query
    }

    /// The values a row's position is remembered by: each sort key, the distance when sorting by
    /// nearness, and the row number.
    var keyCount: Int { sort.count + (sortsByDistance ? 1 : 0) + 1 }

    var sortsByDistance: Bool { near != nil && sort.isEmpty }

    public static func boolean(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "true", "1", "yes", "t", "y": true
        case "false", "0", "no", "f", "n": false
        default: nil
        }
    }

    static func article(_ type: ColumnType) -> String {
        type == .integer ? "an integer" : "a \(type.rawValue)"
    }

    /// The value a filter compares with, in the column's type.
    static func typed(_ raw: String, _ column: TableColumn) -> SQLValue? {
        switch column.type {
        case .integer:
            guard let value = Int64(raw) else { return nil }
            return .integer(value)
        case .decimal:
            guard let value = Double(raw), value.isFinite else { return nil }
            return column.exact ? .text(raw) : .real(value)
        case .boolean:
            return boolean(raw).map(SQLValue.boolean)
        case .date, .datetime, .text:
            return .text(column.type == .datetime ? Self.normalisedDateTime(raw) : raw)
        }
    }

    static func normalisedDateTime(_ raw: String) -> String {
        var bytes = Array(raw.utf8)
        if bytes.count > 10 && bytes[10] == UInt8(ascii: " ") { bytes[10] = UInt8(ascii: "T") }
        return String(decoding: bytes, as: UTF8.self)
    }

}

/// Keyset cursors: the last row's key values, as URL-safe base64 of a JSON array.
enum Cursor {
    static func encode(_ values: [SQLValue]) -> String {
        let data = (try? JSONEncoder().encode(values)) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> [SQLValue]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard text.count < 8192, let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONDecoder().decode([SQLValue].self, from: data)
    }
}
