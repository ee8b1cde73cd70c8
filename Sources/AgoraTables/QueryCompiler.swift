import AgoraStore
import Foundation

public enum SQLDialect: Sendable {
    case sqlite, postgres
}

/// One column of a query's answer.
public struct OutputColumn: Sendable, Equatable {
    public var name: String
    public var type: ColumnType
    /// Exact decimals are served as strings.
    public var exact: Bool
}

/// A query as SQL for one dialect: every value a placeholder, every column one the table has.
public struct CompiledQuery: Sendable {
    var sql: String
    var binds: [SQLValue]
    var columns: [OutputColumn]
    /// How many selected columns after the output ones hold the row's keyset position.
    var keyCount: Int
    /// The output column holding the distance, served in metres rounded to decimetres.
    var distanceColumn: Int?
    /// The columns an index would serve this query with: those compared for equality, then the
    /// first sort column (or a range-filtered one). Nil when one column's own index is as good.
    var indexShape: [Int]? = nil
}

struct QueryCompiler {
    let dialect: SQLDialect
    let version: TableVersion
    /// The rows' table, as SQL.
    let table: String

    private var binds: [SQLValue] = []

    init(dialect: SQLDialect, version: TableVersion, table: String) {
        self.dialect = dialect
        self.version = version
        self.table = table
    }

    static let metresPerDegreeLatitude = 110_540.0
    static let metresPerDegreeLongitudeAtEquator = 111_320.0

    private mutating func bind(_ value: SQLValue) -> String {
        binds.append(value)
        // Numbered placeholders, so an expression used twice (selected and sorted by) binds once.
        switch dialect {
        case .sqlite: return "?\(binds.count)"
        case .postgres:
            let placeholder = "$\(binds.count)"
            switch value {
            case .real: return placeholder + "::float8"
            case .integer: return placeholder + "::int8"
            default: return placeholder
            }
        }
    }

    /// The row number. A search on SQLite walks the full-text index in row order and stops at the
    /// page's end, so its rows are ordered by the index's row numbers.
    func rowID(_ query: TableQuery) -> String {
        guard dialect == .sqlite else { return "_row" }
        return query.text.isEmpty ? "rows.rowid" : "rows_fts.rowid"
    }

    func from(_ query: TableQuery) -> String {
        guard dialect == .sqlite, !query.text.isEmpty else { return table }
        return "rows_fts JOIN rows ON rows.rowid = rows_fts.rowid"
    }

    /// The column as compared and sorted.
    func expression(_ index: Int) -> String {
        let column = version.columns[index]
        if column.exact && dialect == .sqlite { return "CAST(\(col(index)) AS REAL)" }
        return col(index)
    }

    /// A column by position: qualified on SQLite, where a search joins the full-text table, whose
    /// columns share the rows' names.
    func col(_ index: Int) -> String { dialect == .sqlite ? "rows.c\(index)" : "c\(index)" }

    /// The column as read out for serving.
    func output(_ index: Int) -> String {
        let column = version.columns[index]
        if column.exact && dialect == .postgres { return "c\(index)::text" }
        return col(index)
    }

    private mutating func value(_ value: SQLValue, for index: Int) -> String {
        let column = version.columns[index]
        if column.exact {
            let placeholder = bind(value)
            return dialect == .sqlite ? "CAST(\(placeholder) AS REAL)" : "\(placeholder)::numeric"
        }
        if case .boolean(let flag) = value, dialect == .sqlite { return bind(.integer(flag ? 1 : 0)) }
        return bind(value)
    }

    private mutating func distanceSquared(_ near: TableQuery.Near) -> String {
        guard let geo = version.geo, let lat = version.column(named: geo.latitude)?.index,
            let lon = version.column(named: geo.longitude)?.index
        else { return "0" }
        let ky = Self.metresPerDegreeLatitude
        let kx = Self.metresPerDegreeLongitudeAtEquator * cos(near.latitude * .pi / 180)
        let dy = "(\(col(lat)) - \(bind(.real(near.latitude))))"
        let dy2 = "(\(col(lat)) - \(bind(.real(near.latitude))))"
        let dx = "(\(col(lon)) - \(bind(.real(near.longitude))))"
        let dx2 = "(\(col(lon)) - \(bind(.real(near.longitude))))"
        return "(\(dy) * \(dy2) * \(bind(.real(ky * ky))) + \(dx) * \(dx2) * \(bind(.real(kx * kx))))"
    }

    private mutating func boxCondition(west: Double, south: Double, east: Double, north: Double) -> String {
        switch dialect {
        case .sqlite:
            // The R*Tree keeps 32-bit boxes rounded outward: it finds every candidate, and the
            // columns decide exactly.
            guard let geo = version.geo, let lat = version.column(named: geo.latitude)?.index,
                let lon = version.column(named: geo.longitude)?.index
            else { return "0" }
            let (w, s, e, n) = (bind(.real(west)), bind(.real(south)), bind(.real(east)), bind(.real(north)))
            return "rows.rowid IN (SELECT id FROM rows_geo WHERE maxlat >= \(s) AND minlat <= \(n) AND maxlon >= \(w) AND minlon <= \(e))"
                + " AND \(col(lat)) BETWEEN \(s) AND \(n) AND \(col(lon)) BETWEEN \(w) AND \(e)"
        case .postgres:
            return
                "_geo <@ box(point(\(bind(.real(west))), \(bind(.real(south)))), point(\(bind(.real(east))), \(bind(.real(north)))))"
        }
    }

    private mutating func conditions(_ query: TableQuery) -> [String] {
        var out: [String] = []
        // With equality filters and an order, walking an index of (equal columns, sort column) in order
        // and checking ranges row by row beats seeking a range and sorting its rows; a unary plus keeps
        // SQLite's planner from seeking on the range.
        let rangesAsChecks = dialect == .sqlite && !query.sort.isEmpty && query.filters.contains { $0.op == .eq }
        for filter in query.filters {
            let plain = expression(filter.column)
            let e = rangesAsChecks && [.gt, .gte, .lt, .lte, .ne].contains(filter.op) ? "+" + plain : plain
            switch filter.op {
            case .eq: out.append("\(e) = \(value(filter.values[0], for: filter.column))")
            case .ne: out.append("\(e) <> \(value(filter.values[0], for: filter.column))")
            case .gt: out.append("\(e) > \(value(filter.values[0], for: filter.column))")
            case .gte: out.append("\(e) >= \(value(filter.values[0], for: filter.column))")
            case .lt: out.append("\(e) < \(value(filter.values[0], for: filter.column))")
            case .lte: out.append("\(e) <= \(value(filter.values[0], for: filter.column))")
            case .in:
                let list = filter.values.map { value($0, for: filter.column) }.joined(separator: ", ")
                out.append("\(e) IN (\(list))")
            case .isnull:
                out.append(filter.values[0] == .boolean(true) ? "\(col(filter.column)) IS NULL" : "\(col(filter.column)) IS NOT NULL")
            case .contains:
                let text = col(filter.column) + (dialect == .postgres && version.columns[filter.column].exact ? "::text" : "")
                out.append(
                    dialect == .sqlite
                        ? "instr(\(text), \(bind(filter.values[0]))) > 0" : "strpos(\(text), \(bind(filter.values[0]))) > 0")
            case .startswith:
                guard case .text(let prefix) = filter.values[0] else { continue }
                let text = col(filter.column) + (dialect == .postgres && version.columns[filter.column].exact ? "::text" : "")
                let length = prefix.unicodeScalars.count
                out.append(
                    dialect == .sqlite
                        ? "substr(\(text), 1, \(length)) = \(bind(filter.values[0]))"
                        : "left(\(text), \(length)) = \(bind(filter.values[0]))")
            }
        }
        if !query.text.isEmpty {
            switch dialect {
            case .sqlite:
                let match = query.text.map { "\"\($0)\"" }.joined(separator: " ")
                out.append("rows_fts MATCH \(bind(.text(match)))")
            case .postgres:
                out.append("_fts @@ plainto_tsquery('simple', \(bind(.text(query.text.joined(separator: " ")))))")
            }
        }
        if let box = query.bbox {
            out.append(boxCondition(west: box.west, south: box.south, east: box.east, north: box.north))
        }
        if let near = query.near {
            let dLat = near.radius / Self.metresPerDegreeLatitude
            let dLon = near.radius / (Self.metresPerDegreeLongitudeAtEquator * max(cos(near.latitude * .pi / 180), 0.01))
            out.append(
                boxCondition(
                    west: near.longitude - dLon, south: near.latitude - dLat, east: near.longitude + dLon,
                    north: near.latitude + dLat))
            out.append("\(distanceSquared(near)) <= \(bind(.real(near.radius * near.radius)))")
        }
        return out
    }

    private static func whereClause(_ conditions: [String]) -> String {
        conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    }

    /// The rows a query asks for, one more than the page so the caller knows whether there is a next.
    mutating func rows(_ query: TableQuery, limit: Int?) -> CompiledQuery {
        binds = []
        var select = query.fields.map(output)
        var columns = query.fields.map {
            OutputColumn(name: version.columns[$0].name, type: version.columns[$0].type, exact: version.columns[$0].exact)
        }
        var distanceColumn: Int?
        if let near = query.near {
            distanceColumn = columns.count
            select.append(distanceSquared(near))
            columns.append(OutputColumn(name: "_distance_m", type: .decimal, exact: false))
        }
        // Keys: each sort column, then the distance when sorting by it, then the row number.
        var keys: [(expression: String, descending: Bool, column: Int?)] = query.sort.map {
            (expression($0.column), $0.descending, $0.column)
        }
        if query.sortsByDistance, let near = query.near { keys.append((distanceSquared(near), false, nil)) }
        keys.append((rowID(query), false, nil))
        // Exact decimals travel in cursors as text.
        select += keys.map { key in
            key.column.map { version.columns[$0].exact && dialect == .postgres ? output($0) : key.expression } ?? key.expression
        }

        var conditions = conditions(query)
        if let after = query.after, after.count == keys.count {
            func bound(_ value: SQLValue, _ key: (expression: String, descending: Bool, column: Int?)) -> String {
                key.column.map { self.value(value, for: $0) } ?? bind(value)
            }
            var alternatives: [String] = []
            for i in keys.indices {
                var parts: [String] = []
                for j in 0..<i {
                    parts.append(
                        after[j] == .null ? "\(keys[j].expression) IS NULL" : "\(keys[j].expression) = \(bound(after[j], keys[j]))")
                }
                let key = keys[i]
                if after[i] == .null {
                    if key.descending { continue }
                    parts.append("\(key.expression) IS NOT NULL")
                } else if key.descending {
                    parts.append("(\(key.expression) < \(bound(after[i], key)) OR \(key.expression) IS NULL)")
                } else {
                    parts.append("\(key.expression) > \(bound(after[i], key))")
                }
                alternatives.append("(" + parts.joined(separator: " AND ") + ")")
            }
            conditions.append(alternatives.isEmpty ? "1 = 0" : "(" + alternatives.joined(separator: " OR ") + ")")
        }
        let order = keys.map { "\($0.expression) \($0.descending ? "DESC NULLS LAST" : "ASC NULLS FIRST")" }
            .joined(separator: ", ")
        // Aliases keep an output named like a column (c1::text) from shadowing that column in ORDER BY.
        let selected = select.enumerated().map { "\($0.element) AS o\($0.offset)" }.joined(separator: ", ")
        var sql = "SELECT \(selected) FROM \(from(query))\(Self.whereClause(conditions)) ORDER BY \(order)"
        if let limit { sql += " LIMIT \(bind(.integer(Int64(limit))))" }
        if query.offset > 0 {
            sql += (limit == nil && dialect == .sqlite ? " LIMIT -1" : "") + " OFFSET \(bind(.integer(Int64(query.offset))))"
        }
        var compiled = CompiledQuery(sql: sql, binds: binds, columns: columns, keyCount: keys.count, distanceColumn: distanceColumn)
        compiled.indexShape = Self.indexShape(query, version: version)
        return compiled
    }

    static func indexShape(_ query: TableQuery, version: TableVersion) -> [Int]? {
        let equal = Array(Set(query.filters.filter { $0.op == .eq || ($0.op == .in && $0.values.count == 1) }.map(\.column))).sorted()
        guard !equal.isEmpty, query.text.isEmpty, query.near == nil, query.bbox == nil else { return nil }
        // Equal columns, then the order, then the ranges: the index is walked in order and the
        // ranges are checked in the index itself, without reading rows that fail them.
        var shape = equal
        if let sort = query.sort.first?.column, !shape.contains(sort) { shape.append(sort) }
        for filter in query.filters where [.gt, .gte, .lt, .lte].contains(filter.op) && !shape.contains(filter.column) {
            shape.append(filter.column)
        }
        return shape.count >= 2 && shape.allSatisfy { !version.columns[$0].exact } ? Array(shape.prefix(4)) : nil
    }

    mutating func groups(_ query: TableQuery, limit: Int?) -> CompiledQuery {
        binds = []
        var select = query.group.map(output)
        var columns = query.group.map {
            OutputColumn(name: version.columns[$0].name, type: version.columns[$0].type, exact: version.columns[$0].exact)
        }
        for aggregate in query.aggregates {
            guard let index = aggregate.column else {
                select.append(dialect == .sqlite ? "count(*)" : "count(*)::int8")
                columns.append(OutputColumn(name: aggregate.name, type: .integer, exact: false))
                continue
            }
            let column = version.columns[index]
            let e = expression(index)
            switch aggregate.function {
            case .count:
                select.append(dialect == .sqlite ? "count(\(col(index)))" : "count(c\(index))::int8")
                columns.append(OutputColumn(name: aggregate.name, type: .integer, exact: false))
            case .avg:
                select.append(dialect == .sqlite ? "avg(\(e))" : "avg(\(e))::float8")
                columns.append(OutputColumn(name: aggregate.name, type: .decimal, exact: false))
            case .sum:
                let cast = column.type == .integer ? "::int8" : (column.exact ? "::text" : "::float8")
                select.append(dialect == .sqlite ? "sum(\(e))" : "sum(\(e))\(cast)")
                columns.append(OutputColumn(name: aggregate.name, type: column.type, exact: column.exact && dialect == .postgres))
            case .min, .max:
                let cast = dialect == .postgres && column.exact ? "::text" : ""
                select.append("\(aggregate.function.rawValue)(\(e))\(cast)")
                columns.append(
                    OutputColumn(
                        name: aggregate.name, type: column.type, exact: column.exact && dialect == .postgres))
            }
        }
        let conditions = conditions(query)
        let groupBy = query.group.map(col).joined(separator: ", ")
        let order =
            query.groupSort.isEmpty
            ? query.group.indices.map { "\($0 + 1) ASC NULLS FIRST" }
            : query.groupSort.map { "\($0.position + 1) \($0.descending ? "DESC NULLS LAST" : "ASC NULLS FIRST")" }
        var sql =
            "SELECT \(select.joined(separator: ", ")) FROM \(from(query))\(Self.whereClause(conditions)) GROUP BY \(groupBy) ORDER BY \(order.joined(separator: ", "))"
        if let limit {
            sql += " LIMIT \(bind(.integer(Int64(limit)))) OFFSET \(bind(.integer(Int64(query.groupOffset))))"
        }
        return CompiledQuery(sql: sql, binds: binds, columns: columns, keyCount: 0, distanceColumn: nil)
    }

    mutating func count(_ query: TableQuery) -> CompiledQuery {
        binds = []
        let conditions = conditions(query)
        let from = "\(from(query))\(Self.whereClause(conditions))"
        let sql =
            query.isGrouped
            ? "SELECT count(*) FROM (SELECT 1 FROM \(from) GROUP BY \(query.group.map(col).joined(separator: ", "))) g"
            : "SELECT count(*) FROM \(from)"
        return CompiledQuery(
            sql: dialect == .postgres ? sql.replacingOccurrences(of: "SELECT count(*)", with: "SELECT count(*)::int8") : sql,
            binds: binds, columns: [], keyCount: 0, distanceColumn: nil)
    }
}
