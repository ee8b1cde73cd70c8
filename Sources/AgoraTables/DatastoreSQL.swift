import AgoraCore

/// A reader's SQL for CKAN's datastore_search_sql, checked before any engine sees it: one SELECT (or
/// WITH … SELECT), no statement that writes or changes settings, only allow-listed functions, and
/// tables named by resource id in double quotes. The engines add their own guard beneath this one
/// (SQLite's authorizer, PostgreSQL's read-only transaction and plan check) and a time limit.
public struct DatastoreSQL: Sendable {
    public var sql: String
    /// The quoted identifiers the query names, in order of first use: the candidate resource ids.
    public var quotedNames: [String]

    public static let maxLength = 32_768
    public static let maxRows = 32_000

    static let forbiddenWords: Set<String> = [
        "insert", "update", "delete", "merge", "upsert", "replace", "drop", "create", "alter", "attach", "detach", "pragma",
        "vacuum", "analyze", "copy", "grant", "revoke", "into", "lock", "call", "do", "execute", "prepare", "deallocate", "set",
        "reset", "begin", "commit", "rollback", "savepoint", "release", "refresh", "truncate", "listen", "notify", "load", "reindex",
        "cluster", "comment", "security", "declare", "fetch", "move", "close", "discard", "checkpoint",
    ]

    /// Words that may be followed by `(` without being a function call.
    static let keywordsBeforeParenthesis: Set<String> = [
        "in", "exists", "values", "as", "from", "join", "on", "over", "filter", "where", "and", "or", "not", "select", "any", "all",
        "using", "with", "partition", "by", "recursive", "when", "then", "else", "is", "like", "between", "union", "except",
        "intersect", "having", "group", "order", "limit", "offset", "within", "distinct", "case", "lateral", "asc", "desc", "ilike",
        "escape", "null", "some", "array", "row", "rows", "range", "preceding", "following", "current", "unbounded", "outer",
        "inner", "left", "right", "full", "cross", "natural",
    ]

    static let allowedFunctions: Set<String> = [
        "count", "sum", "avg", "min", "max", "total", "group_concat", "string_agg", "array_agg", "bool_and", "bool_or", "every",
        "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "percentile_cont", "percentile_disc", "mode",
        "median", "lower", "upper", "length", "char_length", "character_length", "octet_length", "trim", "ltrim", "rtrim",
        "btrim", "substr", "substring", "replace", "instr", "position", "strpos", "left", "right", "lpad", "rpad", "concat",
        "concat_ws", "split_part", "initcap", "reverse", "abs", "round", "ceil", "ceiling", "floor", "trunc", "sign", "sqrt",
        "power", "pow", "exp", "ln", "log", "log10", "mod", "pi", "radians", "degrees", "sin", "cos", "tan", "asin", "acos", "atan",
        "atan2", "greatest", "least", "coalesce", "ifnull", "nullif", "iif", "cast", "extract", "date", "time", "datetime",
        "julianday", "strftime", "date_trunc", "date_part", "to_char", "to_date", "to_timestamp", "to_number", "age",
        "make_date", "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value",
        "last_value", "nth_value", "typeof", "printf", "format", "quote", "hex", "unicode", "char", "chr", "ascii", "like",
        "glob", "regexp_replace", "regexp_match", "starts_with", "numeric", "integer", "real", "text", "float", "double",
        "bigint", "int", "decimal", "varchar", "boolean",
    ]

    public init(_ sql: String) throws {
        let trimmed = sql.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw Problem(.validation, "The sql is empty.", errors: [.init(field: "sql", message: "Missing value")])
        }
        guard trimmed.utf8.count <= Self.maxLength else {
            throw Problem(.payloadTooLarge, "The sql is longer than \(Self.maxLength) bytes.")
        }
        var tokens = try Self.tokens(trimmed)
        if case .semicolon = tokens.last { tokens.removeLast() }
        guard case .word(let first) = tokens.first, first == "select" || first == "with" else {
            throw Self.refused("Only a single SELECT statement is allowed.")
        }
        var names: [String] = []
        for (index, token) in tokens.enumerated() {
            switch token {
            case .semicolon: throw Self.refused("Only a single SELECT statement is allowed: the sql holds more than one.")
            case .word(let word):
                if Self.forbiddenWords.contains(word) {
                    throw Self.refused("Only reading is allowed: '\(word.uppercased())' cannot be used here (quote a column so named).")
                }
                let isCall =
                    index + 1 < tokens.count && tokens[index + 1] == .symbol("(")
                    && (index == 0 || tokens[index - 1] != .symbol("."))
                if isCall && !Self.keywordsBeforeParenthesis.contains(word) && !Self.allowedFunctions.contains(word)
                    && !Self.isCTEName(tokens, at: index)
                {
                    throw Self.refused("The function '\(word)' is not allowed in datastore_search_sql.")
                }
            case .quoted(let name): if !names.contains(name) { names.append(name) }
            case .symbol: break
            }
        }
        self.sql = trimmed.hasSuffix(";") ? String(trimmed.dropLast()) : trimmed
        self.quotedNames = names
    }

    /// `name (columns) AS (…)` in a WITH clause names a query, not a function call.
    static func isCTEName(_ tokens: [Token], at index: Int) -> Bool {
        var depth = 0
        var i = index + 1
        while i < tokens.count {
            if tokens[i] == .symbol("(") { depth += 1 }
            if tokens[i] == .symbol(")") {
                depth -= 1
                if depth == 0 { return i + 1 < tokens.count && tokens[i + 1] == .word("as") }
            }
            i += 1
        }
        return false
    }

    static func refused(_ detail: String) -> Problem { Problem(.forbidden, detail) }

    enum Token: Equatable {
        case word(String)
        case quoted(String)
        case symbol(Character)
        case semicolon
    }

    /// Splits SQL into words, quoted names and symbols, skipping strings and comments.
    static func tokens(_ sql: String) throws -> [Token] {
        let chars = Array(sql)
        var tokens: [Token] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace {
                i += 1
            } else if c == "-" && i + 1 < chars.count && chars[i + 1] == "-" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
            } else if c == "/" && i + 1 < chars.count && chars[i + 1] == "*" {
                i += 2
                while i + 1 < chars.count && !(chars[i] == "*" && chars[i + 1] == "/") { i += 1 }
                guard i + 1 < chars.count else { throw syntax("a comment is not closed") }
                i += 2
            } else if c == "'" || c == "\"" {
                var text = ""
                i += 1
                while true {
                    guard i < chars.count else { throw syntax(c == "'" ? "a string is not closed" : "a quoted name is not closed") }
                    if chars[i] == c {
                        if i + 1 < chars.count && chars[i + 1] == c {
                            text.append(c)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    text.append(chars[i])
                    i += 1
                }
                if c == "\"" { tokens.append(.quoted(text)) }
            } else if c.isLetter || c == "_" {
                var word = ""
                while i < chars.count && (chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "$") {
                    word.append(chars[i])
                    i += 1
                }
                tokens.append(.word(word.lowercased()))
            } else if c == ";" {
                tokens.append(.semicolon)
                i += 1
            } else {
                tokens.append(.symbol(c))
                i += 1
            }
        }
        return tokens
    }

    static func syntax(_ detail: String) -> Problem {
        Problem(.validation, "The sql cannot be read: \(detail).", errors: [.init(field: "sql", message: detail)])
    }
}

/// The answer to datastore_search_sql: column names and rows of plain values.
public struct SQLAnswer: Sendable {
    public var columns: [String]
    public var rows: [[SQLValue]]
    public var truncated: Bool
}
