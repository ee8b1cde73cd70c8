import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import AgoraTables
import Foundation
import Hummingbird

/// CKAN's DataStore actions over the tables engine: datastore_search reads a resource's table,
/// datastore_create/upsert/delete write it (each write publishes the table's next version), and
/// datastore_search_sql runs a reader's single SELECT, read-only and time-limited.
extension CKANRoutes {
    struct DatastoreField: Encodable {
        var id: String
        var type: String
    }

    struct DatastoreResult: Encodable {
        var resource_id: String
        var fields: [DatastoreField]
        var records: JSONFragment
        var records_format: String
        var total: Int?
        var limit: Int
        var offset: Int
        var _links: [String: String]
    }

    /// Already-encoded JSON, passed through.
    struct JSONFragment: Encodable {
        var value: Any
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch value {
            case is NSNull: try c.encodeNil()
            case let s as String: try c.encode(s)
            case let n as NSNumber:
                if String(cString: n.objCType) == "c" {
                    try c.encode(n.boolValue)
                } else if n.doubleValue == n.doubleValue.rounded() && abs(n.doubleValue) < 1e15 && !"\(n)".contains(".") {
                    try c.encode(n.int64Value)
                } else {
                    try c.encode(n.doubleValue)
                }
            case let object as [String: Any]:
                try c.encode(object.mapValues { JSONFragment(value: $0) })
            case let list as [Any]:
                try c.encode(list.map { JSONFragment(value: $0) })
            default: try c.encodeNil()
            }
        }
    }

    static func datastoreType(_ type: String) -> String {
        switch type {
        case "integer": "int"
        case "decimal": "numeric"
        case "boolean": "bool"
        case "date": "date"
        case "datetime": "timestamp"
        default: "text"
        }
    }

    /// CKAN's datastore_search over the table made from a resource, through the tables' query engine.
    func datastoreSearch(_ parameters: [String: JSONValueLike]) async throws -> DatastoreResult {
        let known: Set<String> = [
            "resource_id", "id", "filters", "q", "fields", "sort", "limit", "offset", "include_total", "records_format",
            "distinct",
        ]
        if let unknown = parameters.keys.filter({ !known.contains($0) }).sorted().first {
            throw Failure(
                type: "Validation Error", status: .conflict, message: "The input field \(unknown) was not expected.",
                fields: [unknown: ["The input field \(unknown) was not expected."]])
        }
        guard let id = parameters["resource_id"]?.text ?? parameters["id"]?.text, !id.isEmpty else {
            throw Failure(type: "Validation Error", status: .conflict, message: "Missing value", fields: ["resource_id": ["Missing value"]])
        }
        guard let table = try await tables.store.table(distributionID: id), let version = table.current else {
            throw Failure(type: "Not Found Error", status: .notFound, message: "Not found: Resource \"\(id)\" was not found.")
        }
        var pairs: [(String, String)] = []
        if let filters = parameters["filters"] {
            var given: [String: Any]?
            switch filters {
            case .object(let object): given = object
            case .string(let text):
                given = text.data(using: .utf8).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            default: given = nil
            }
            guard let object = given else {
                throw Failure(
                    type: "Validation Error", status: .conflict, message: "filters must be a JSON object",
                    fields: ["filters": ["Not a JSON object"]])
            }
            func text(_ value: Any) -> String {
                if let n = value as? NSNumber, String(cString: n.objCType) == "c" { return n.boolValue ? "true" : "false" }
                return "\(value)"
            }
            for (column, value) in object.sorted(by: { $0.key < $1.key }) {
                if let list = value as? [Any] {
                    pairs.append((column + "__in", list.map(text).joined(separator: ",")))
                } else {
                    pairs.append((column, text(value)))
                }
            }
        }
        if let q = parameters["q"]?.text, !q.isEmpty { pairs.append(("_q", q)) }
        switch parameters["fields"] {
        case .list(let list): pairs.append(("_fields", list.joined(separator: ",")))
        case .some(let value): if let text = value.text, !text.isEmpty { pairs.append(("_fields", text)) }
        case nil: break
        }
        if let sort = parameters["sort"]?.text, !sort.isEmpty {
            let keys = sort.split(separator: ",").map { part -> String in
                let words = part.split(separator: " ").map(String.init)
                return (words.count > 1 && words[1].lowercased() == "desc" ? "-" : "") + (words.first ?? "")
            }
            pairs.append(("_sort", keys.joined(separator: ",")))
        }
        let distinct = parameters["distinct"]?.text == "true"
        if distinct {
            // Distinct rows are the groups of the chosen fields (or of every field); their counts are dropped.
            let fields = pairs.first { $0.0 == "_fields" }?.1 ?? version.columns.map(\.name).joined(separator: ",")
            pairs.removeAll { $0.0 == "_fields" || $0.0 == "_sort" }
            pairs.append(("_group", fields))
        }
        let format = parameters["records_format"]?.text ?? "objects"
        guard ["objects", "lists", "csv", "tsv"].contains(format) else {
            throw Failure(
                type: "Validation Error", status: .conflict, message: "records_format must be objects, lists, csv or tsv",
                fields: ["records_format": ["Value must be one of: objects, lists, csv, tsv"]])
        }
        let (limit, offset) = try Self.paging(parameters, defaultLimit: 100, max: TableQuery.maxSize)
        pairs.append(("_size", String(max(limit, 1))))
        let includeTotal = parameters["include_total"]?.text != "false"
        if includeTotal { pairs.append(("_count", "true")) }
        var query: TableQuery
        do {
            query = try TableQuery.parse(pairs, version: version)
        } catch let problem as Problem {
            var fields: [String: [String]] = [:]
            for error in problem.errors { fields[error.field, default: []].append(error.message) }
            throw Failure(type: "Validation Error", status: .conflict, message: problem.detail, fields: fields)
        }
        if distinct { query.groupOffset = offset } else { query.offset = offset }
        var bytes: [UInt8] = []
        try await tables.answer(query, version: version) { bytes += $0 }
        let object = (try JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
        var columns = (object["columns"] as? [[String: String]] ?? []).map {
            DatastoreField(id: $0["name"] ?? "", type: Self.datastoreType($0["type"] ?? ""))
        }
        var rows = limit == 0 ? [] : (object["rows"] as? [[String: Any]] ?? [])
        if distinct {
            let names = Set(query.group.map { version.columns[$0].name })
            columns = columns.filter { names.contains($0.id) }
            rows = rows.map { $0.filter { names.contains($0.key) } }
        }
        let records: JSONFragment
        switch format {
        case "lists": records = JSONFragment(value: rows.map { row in columns.map { row[$0.id] ?? NSNull() } })
        case "csv", "tsv":
            let separator = format == "csv" ? "," : "\t"
            records = JSONFragment(
                value: rows.map { row in
                    columns.map { Self.delimitedCell(row[$0.id], separator: separator) }.joined(separator: separator) + "\n"
                }.joined())
        default: records = JSONFragment(value: rows)
        }
        let base = "/api/3/action/datastore_search?resource_id=\(id)"
        return DatastoreResult(
            resource_id: id, fields: columns, records: records, records_format: format,
            total: includeTotal ? object["total"] as? Int : nil, limit: limit, offset: offset,
            _links: ["start": base, "next": "\(base)&offset=\(offset + limit)"])
    }

    static func delimitedCell(_ value: Any?, separator: String) -> String {
        guard let text = TableService.cell(value) else { return "" }
        if text.contains(separator) || text.contains("\"") || text.contains("\n") || text.contains("\r") {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }
}

extension CKANRoutes {
    static let datastoreWriteActions: Set<String> = ["datastore_create", "datastore_upsert", "datastore_delete"]

    struct DatastoreWriteResult: Encodable {
        var resource_id: String
        var fields: [DatastoreField]?
        var primary_key: [String]?
        var method: String?
        var records: JSONFragment?
        var filters: JSONFragment?
        var total: Int
    }

    /// CKAN column types as the table's own.
    static func columnType(_ ckanType: String) -> ColumnType? {
        switch ckanType.lowercased().trimmingCharacters(in: .whitespaces) {
        case "text", "varchar", "char", "name", "json", "uuid", "citext", "_text": .text
        case "int", "int2", "int4", "int8", "integer", "bigint", "smallint", "serial": .integer
        case "numeric", "float", "float4", "float8", "double precision", "real", "decimal", "money": .decimal
        case "bool", "boolean": .boolean
        case "date": .date
        case "timestamp", "timestamptz", "datetime", "timestamp without time zone", "timestamp with time zone": .datetime
        default: nil
        }
    }

    static func validation(_ field: String, _ message: String) -> Failure {
        Failure(type: "Validation Error", status: .conflict, message: "\(field): \(message)", fields: [field: [message]])
    }

    func datastoreWrite(_ action: String, body: [String: Any], site: String, identity: Identity?) async throws -> AnyEncodable {
        guard identity != nil else {
            throw Failure(
                type: "Authorization Error", status: .forbidden,
                message: "Access denied: \(action) needs an API token (Authorization or X-CKAN-API-Key).")
        }
        var resourceID = (body["resource_id"] as? String) ?? (body["id"] as? String) ?? ""
        if action == "datastore_create", resourceID.isEmpty, let resource = body["resource"] as? [String: Any] {
            // A new resource whose data lives only in the datastore: its URL is the datastore dump.
            let dataset = try await findDataset((resource["package_id"] as? String) ?? "")
            var input = CKAN.distributionInput(resource)
            let linked = input.url != nil
            if !linked { input.url = "\(site)/datastore/dump/pending" }
            if input.format == nil { input.format = "CSV" }
            var made = try await catalog.addDistribution(slug: dataset.slug, input, by: identity)
            if !linked {
                made = try await catalog.updateDistribution(
                    slug: dataset.slug, id: made.id, DistributionInput(url: "\(site)/datastore/dump/\(made.id)"), presentFields: ["url"],
                    by: identity)
            }
            resourceID = made.id
        }
        guard !resourceID.isEmpty else { throw Self.validation("resource_id", "Missing value") }
        let (dataset, _) = try await findResource(resourceID)
        var records: [[String: Any]]?
        if let given = body["records"] {
            guard let list = given as? [[String: Any]] else { throw Self.validation("records", "records must be a list of dictionaries") }
            records = list
        }
        let cells = (records ?? []).map { $0.mapValues(TableService.cell) }
        switch action {
        case "datastore_create", "datastore_upsert":
            var columns: [DatastoreColumn] = []
            if let fields = body["fields"] {
                guard let list = fields as? [[String: Any]] else {
                    throw Self.validation("fields", "fields must be a list of dictionaries")
                }
                for field in list {
                    guard let name = field["id"] as? String, !name.isEmpty else {
                        throw Self.validation("fields", "every field needs an id")
                    }
                    var type: ColumnType?
                    if let given = field["type"] as? String {
                        guard let known = Self.columnType(given) else {
                            throw Self.validation("fields", "field \"\(name)\" has a type this datastore does not know: \(given)")
                        }
                        type = known
                    }
                    columns.append(DatastoreColumn(name: name, type: type))
                }
            }
            var primaryKey: [String]?
            switch body["primary_key"] {
            case let one as String:
                primaryKey = one.isEmpty ? nil : one.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            case let many as [String]: primaryKey = many.isEmpty ? nil : many
            case nil: break
            default: throw Self.validation("primary_key", "primary_key must be a field name or a list of them")
            }
            let methodText = action == "datastore_create" ? "insert" : ((body["method"] as? String) ?? "upsert")
            guard let method = DatastoreMethod(rawValue: methodText) else {
                throw Self.validation("method", "method must be insert, update or upsert")
            }
            if action == "datastore_upsert" && (columns.count > 0 || primaryKey != nil) {
                throw Self.validation("fields", "datastore_upsert takes records only; declare fields and primary_key with datastore_create")
            }
            let (_, version) = try await tables.writeRecords(
                slug: dataset.slug, distributionID: resourceID, columns: columns, records: cells, primaryKey: primaryKey,
                method: method, by: identity)
            return AnyEncodable(
                DatastoreWriteResult(
                    resource_id: resourceID,
                    fields: version.columns.map { DatastoreField(id: $0.name, type: Self.datastoreType($0.type.rawValue)) },
                    primary_key: version.primaryKey, method: action == "datastore_upsert" ? method.rawValue : nil,
                    records: records.map { JSONFragment(value: $0) }, total: version.rowCount))
        default:  // datastore_delete
            var filters: [String: [String]] = [:]
            if let given = body["filters"] {
                guard let object = given as? [String: Any] else { throw Self.validation("filters", "filters must be a dictionary") }
                for (key, value) in object {
                    let values = (value as? [Any]) ?? [value]
                    filters[key] = values.map { TableService.cell($0) ?? "" }
                }
            }
            let (_, version, _) = try await tables.deleteRecords(
                slug: dataset.slug, distributionID: resourceID, filters: filters, by: identity)
            return AnyEncodable(
                DatastoreWriteResult(
                    resource_id: resourceID, filters: JSONFragment(value: (body["filters"] as? [String: Any]) ?? [:]),
                    total: version.rowCount))
        }
    }

    struct SQLResult: Encodable {
        var sql: String
        var fields: [DatastoreField]
        var records: JSONFragment
        var records_truncated: Bool?
    }

    func datastoreSearchSQL(_ parameters: [String: JSONValueLike]) async throws -> SQLResult {
        guard let sql = parameters["sql"]?.text, !sql.isEmpty else { throw Self.validation("sql", "Missing value") }
        let answer = try await tables.searchSQL(sql)
        let types = answer.columns.indices.map { index -> String in
            for row in answer.rows {
                switch row[index] {
                case .null: continue
                case .integer: return "int8"
                case .real: return "float8"
                case .boolean: return "bool"
                case .text: return "text"
                }
            }
            return "text"
        }
        let records = answer.rows.map { row -> [String: Any] in
            var object: [String: Any] = [:]
            for (index, name) in answer.columns.enumerated() {
                switch row[index] {
                case .null: object[name] = NSNull()
                case .integer(let v): object[name] = NSNumber(value: v)
                case .real(let v): object[name] = NSNumber(value: v)
                case .boolean(let v): object[name] = v
                case .text(let v): object[name] = v
                }
            }
            return object
        }
        return SQLResult(
            sql: sql, fields: zip(answer.columns, types).map { DatastoreField(id: $0, type: $1) },
            records: JSONFragment(value: records), records_truncated: answer.truncated ? true : nil)
    }
}
