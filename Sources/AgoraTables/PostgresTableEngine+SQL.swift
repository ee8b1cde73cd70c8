import AgoraCore
import AgoraStore
import Foundation
import Logging
import PostgresNIO

/// datastore_search_sql on PostgreSQL: in one transaction that is rolled back, each resource id
/// becomes a temporary view over its version's table with the table's column names; then the
/// transaction turns read-only with a statement time limit, the plan is checked to read only those
/// tables, and the rows come back as JSON arrays in column order.
extension PostgresTableEngine {
    public func runSQL(_ query: DatastoreSQL, tables: [String: TableVersion], timeout: Duration) async throws -> SQLAnswer {
        let logger = Logger(label: "agora.tables.sql")
        let milliseconds = max(1, Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        return try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let answer = try await Self.run(
                    query, tables: tables, milliseconds: milliseconds, connection: connection, logger: logger, engine: self)
                try await connection.query("ROLLBACK", logger: logger)
                return answer
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                if let problem = error as? Problem { throw problem }
                let message = String(reflecting: error)
                if message.contains("57014") || message.contains("statement timeout") {
                    throw Problem(.conflict, "Query canceled: it ran past the \(timeout) statement time limit.")
                }
                let detail = (error as? PSQLError)?.serverInfo?[.message] ?? "the database refused it"
                throw Problem(.validation, "The sql failed: \(detail).", errors: [.init(field: "sql", message: detail)])
            }
        }
    }

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    static func run(
        _ query: DatastoreSQL, tables: [String: TableVersion], milliseconds: Int, connection: PostgresConnection, logger: Logger,
        engine: PostgresTableEngine
    ) async throws -> SQLAnswer {
        for (name, version) in tables {
            let columns = version.columns.enumerated().map { i, column in
                (column.exact ? "c\(i)::text" : "c\(i)") + " AS " + quoted(column.name)
            }.joined(separator: ", ")
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: "CREATE TEMP VIEW \(quoted(name)) AS SELECT \(columns) FROM \(engine.tableName(storage: version.storage))"),
                logger: logger)
        }
        try await connection.query("SET LOCAL transaction_read_only = on", logger: logger)
        try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = \(milliseconds)"), logger: logger)
        // The plan names every relation the query reads; each must be one of the named tables.
        var planText = ""
        for try await text in try await connection.query(PostgresQuery(unsafeSQL: "EXPLAIN (FORMAT JSON) " + query.sql), logger: logger)
            .decode(String.self)
        {
            planText += text
        }
        let allowed = Set(tables.values.map(\.storage))
        var relations: [String] = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                if let relation = object["Relation Name"] as? String { relations.append(relation) }
                if object["Function Name"] != nil { relations.append("function scan") }
                object.values.forEach(walk)
            } else if let list = value as? [Any] {
                list.forEach(walk)
            }
        }
        walk((try? JSONSerialization.jsonObject(with: Data(planText.utf8))) ?? [])
        if let other = relations.first(where: { !allowed.contains($0) }) {
            throw Problem(.forbidden, "The query reads '\(other)', which is not a datastore table; only resources' tables may be read.")
        }
        let wrapped = """
            SELECT (SELECT json_agg(key) FROM json_each(row_to_json(q)))::text,
                   (SELECT json_agg(value) FROM json_each(row_to_json(q)))::text
            FROM (\(query.sql)) q LIMIT \(DatastoreSQL.maxRows + 1)
            """
        var columns: [String] = []
        var rows: [[SQLValue]] = []
        for try await (keys, values) in try await connection.query(PostgresQuery(unsafeSQL: wrapped), logger: logger).decode(
            (String?, String?).self)
        {
            if columns.isEmpty, let keys {
                columns = (try? JSONSerialization.jsonObject(with: Data(keys.utf8)) as? [String]) ?? []
            }
            let list =
                values.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed]) as? [Any] } ?? []
            rows.append(list.map(Self.value))
        }
        let truncated = rows.count > DatastoreSQL.maxRows
        if truncated { rows.removeLast() }
        return SQLAnswer(columns: columns, rows: rows, truncated: truncated)
    }

    static func value(_ any: Any) -> SQLValue {
        switch any {
        case is NSNull: return .null
        case let text as String: return .text(text)
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return .boolean(number.boolValue) }
            if let exact = Int64(exactly: number.doubleValue), !number.stringValue.contains(".") { return .integer(exact) }
            return .real(number.doubleValue)
        default:
            let data = (try? JSONSerialization.data(withJSONObject: any, options: [.sortedKeys])) ?? Data()
            return .text(String(decoding: data, as: UTF8.self))
        }
    }
}
