import AgoraCore
import AgoraStore
import Foundation

/// Errors of a file that cannot become a table; each says what is wrong and where.
enum TableProblem {
    static func invalid(_ detail: String, line: Int? = nil) -> Problem {
        guard let line else { return Problem(.invalidFile, detail) }
        return Problem(.invalidFile, "Line \(line): \(detail)", errors: [.init(field: "line \(line)", message: detail)])
    }

    static func unreadable(_ detail: String) -> Problem { Problem(.invalidFile, detail) }
}

public enum SourceFormat: String, Sendable, Codable {
    case csv = "CSV"
    case geojson = "GeoJSON"

    /// The format a file name or its first bytes say; nil for anything else.
    public static func detect(fileName: String, sample: [UInt8]) -> SourceFormat? {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".geojson") { return .geojson }
        if lower.hasSuffix(".csv") || lower.hasSuffix(".tsv") || lower.hasSuffix(".txt") { return .csv }
        let start = sample.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
        if lower.hasSuffix(".json") && start == UInt8(ascii: "{") { return .geojson }
        return nil
    }
}

public struct IngestOptions: Sendable {
    /// Pad short rows and cut long ones (and count them) instead of refusing the file.
    public var lenient: Bool
    public var maxRecordBytes: Int
    public var maxColumns: Int
    /// Column types a writer declared (CKAN's datastore_create fields); inference fills in the rest.
    public var declaredTypes: [String: ColumnType]
    /// The columns that identify a row, when a writer said so; kept with the version.
    public var primaryKey: [String]?
    /// A header without rows is an empty table (datastore writes), not a mistaken file.
    public var allowEmpty: Bool

    public init(
        lenient: Bool = false, maxRecordBytes: Int = 16 << 20, maxColumns: Int = 2000, declaredTypes: [String: ColumnType] = [:],
        primaryKey: [String]? = nil, allowEmpty: Bool = false
    ) {
        self.lenient = lenient
        self.maxRecordBytes = maxRecordBytes
        self.maxColumns = maxColumns
        self.declaredTypes = declaredTypes
        self.primaryKey = primaryKey
        self.allowEmpty = allowEmpty
    }

    /// The profile with declared types applied: a declared type may widen what was inferred
    /// (integer to decimal, anything to text) or type a column that is all empty, never narrow it.
    func applyDeclaredTypes(to profile: TableProfile) throws -> TableProfile {
        var profile = profile
        var errors: [Problem.FieldError] = []
        for (index, column) in profile.columns.enumerated() {
            guard let declared = declaredTypes[column.name], declared != column.type else { continue }
            let allEmpty = column.nulls == profile.rowCount
            let widens = declared == .text || (declared == .decimal && column.type == .integer)
            guard allEmpty || widens else {
                let example = column.min.map { " such as '\($0)'" } ?? ""
                errors.append(
                    .init(field: column.name, message: "declared \(declared.rawValue) but holds \(column.type.rawValue) values\(example)"))
                continue
            }
            profile.columns[index].type = declared
            if declared == .text || declared == .decimal { profile.columns[index].exact = false }
        }
        if !errors.isEmpty { throw Problem(.validation, "Some values do not fit their declared types.", errors: errors) }
        if let key = primaryKey {
            let names = Set(profile.columns.map(\.name))
            for name in key where !names.contains(name) {
                throw Problem(
                    .validation, "The primary key names a column the table does not have.",
                    errors: [.init(field: name, message: "not a column")])
            }
        }
        return profile
    }
}

/// What the first pass over a file learnt: its shape, types and extremes, and its checksum.
public struct TableProfile: Sendable {
    public var format: SourceFormat
    public var encoding: CSVParser.Encoding
    public var delimiter: UInt8?
    public var columns: [TableColumn]
    /// Each column's longest cell, in bytes.
    public var longest: [Int]
    public var geo: GeoColumns?
    public var rowCount: Int
    public var paddedRows: Int
    public var truncatedRows: Int
    public var byteSize: Int
    public var checksum: String
}

/// Reads a source file's rows, each with exactly one cell per column, in chunks.
protocol RowReader {
    /// Reads on; calls `body` for every row completed. False once the file is done.
    mutating func next(_ body: (CSVRecord) throws -> Void) throws -> Bool
    var bytesRead: Int { get }
}

enum TableSource {
    /// The first pass: reads the whole file once, checking it and inferring every column's type.
    static func profile(
        path: String, format: SourceFormat, options: IngestOptions, progress: (Int) -> Void = { _ in }
    ) throws -> TableProfile {
        switch format {
        case .csv: return try profileCSV(path: path, options: options, progress: progress)
        case .geojson: return try GeoJSONSource.profile(path: path, options: options, progress: progress)
        }
    }

    static func reader(path: String, profile: TableProfile, options: IngestOptions) throws -> any RowReader {
        switch profile.format {
        case .csv: return try CSVRowReader(path: path, profile: profile, options: options)
        case .geojson: return try GeoJSONSource.Reader(path: path, profile: profile, options: options)
        }
    }

    /// Unique, non-blank column names: blanks become column_N, repeats get _2, _3.
    static func columnNames(_ raw: [String]) -> [String] {
        var used = Set<String>()
        var names: [String] = []
        for (index, name) in raw.enumerated() {
            var base = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if base.isEmpty { base = "column_\(index + 1)" }
            if base.count > 128 { base = String(base.prefix(128)) }
            var candidate = base
            var suffix = 2
            while used.contains(candidate) {
                candidate = "\(base)_\(suffix)"
                suffix += 1
            }
            used.insert(candidate)
            names.append(candidate)
        }
        return names
    }

    static func profileCSV(path: String, options: IngestOptions, progress: (Int) -> Void) throws -> TableProfile {
        let sample = try FileChunks.sample(path: path)
        let bodyStart = sample.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        guard sample.count > bodyStart else { throw TableProblem.invalid("The file is empty.") }
        let encoding = CSVSniffer.encoding(of: Array(sample[bodyStart...]))
        let delimiter = CSVSniffer.delimiter(of: sample)
        var parser = CSVParser(delimiter: delimiter, encoding: encoding, maxRecordBytes: options.maxRecordBytes)
        let chunks = try FileChunks(path: path)
        var hasher = StreamingSHA256()
        var names: [String]?
        var profilers: [ColumnProfiler] = []
        var rows = 0
        var ragged = (count: 0, lines: [Int](), padded: 0, truncated: 0)
        let textCheck = TextCheck(encoding: encoding)

        func observe(_ record: CSVRecord) throws {
            guard let columnNames = names else {
                guard record.count <= options.maxColumns else {
                    throw TableProblem.invalid(
                        "The header has \(record.count) columns; a table may have at most \(options.maxColumns).", line: record.line)
                }
                try textCheck.check(record)
                names = columnNames(record.strings)
                profilers = Array(repeating: ColumnProfiler(), count: record.count)
                return
            }
            rows += 1
            try textCheck.check(record)
            let width = columnNames.count
            if record.count != width {
                ragged.count += 1
                if ragged.lines.count < 5 { ragged.lines.append(record.line) }
                if record.count < width { ragged.padded += 1 } else { ragged.truncated += 1 }
                if !options.lenient { return }
            }
            record.bytes.withUnsafeBufferPointer { base in
                for column in 0..<min(width, record.count) {
                    profilers[column].observe(UnsafeBufferPointer(rebasing: base[record.range(column)]))
                }
                if record.count < width {
                    for column in record.count..<width { profilers[column].observe(UnsafeBufferPointer(start: nil, count: 0)) }
                }
            }
        }

        do {
            while try chunks.next({ chunk in
                hasher.update(chunk)
                try parser.feed(buffer: chunk, emit: observe)
            }) {
                progress(chunks.bytesRead)
            }
            try parser.finish(emit: observe)
        } catch let failure as CSVParser.Failure {
            throw TableProblem.invalid(failure.message, line: failure.line)
        }
        guard let columnNames = names else { throw TableProblem.invalid("The file holds no header and no rows.") }
        guard rows > 0 || options.allowEmpty else { throw TableProblem.invalid("The file has a header but no rows.") }
        if ragged.count > 0 && !options.lenient {
            let lines = ragged.lines.map(String.init).joined(separator: ", ")
            throw TableProblem.invalid(
                "\(ragged.count) rows do not have the header's \(columnNames.count) fields (first on lines \(lines)); "
                    + "fix them, or import with lenient set to pad short rows and cut long ones.",
                line: ragged.lines[0])
        }
        let columns = zip(columnNames, profilers).map { $1.column(named: $0) }
        return TableProfile(
            format: .csv, encoding: encoding, delimiter: delimiter, columns: columns, longest: profilers.map(\.longest),
            geo: GeoNames.detect(columns),
            rowCount: rows, paddedRows: ragged.padded, truncatedRows: ragged.truncated, byteSize: chunks.bytesRead,
            checksum: hasher.finalizeHex())
    }
}

/// Refuses text that is not text: NUL bytes, and (for UTF-8 files) invalid UTF-8 found past the
/// sample the encoding was guessed from.
struct TextCheck {
    let encoding: CSVParser.Encoding

    func check(_ record: CSVRecord) throws {
        try record.bytes.withUnsafeBufferPointer { bytes in
            var high = false
            for b in bytes {
                if b == 0 { throw TableProblem.invalid("The file holds a NUL byte: it looks binary, not like text.", line: record.line) }
                if b >= 0x80 { high = true }
            }
            guard high else { return }
            let invalid: Bool
            switch encoding {
            case .utf8:
                invalid = String(validating: bytes, as: UTF8.self) == nil
            case .windows1252:
                // Bytes Windows-1252 leaves undefined arrive here as C1 controls (U+0081 and kin).
                invalid = zip(bytes, bytes.dropFirst()).contains { $0 == 0xC2 && [0x81, 0x8D, 0x8F, 0x90, 0x9D].contains($1) }
            }
            if invalid {
                throw TableProblem.invalid(
                    "The text is neither valid UTF-8 nor Windows-1252/Latin-1 throughout; save the file as UTF-8.",
                    line: record.line)
            }
        }
    }
}

/// The second pass over a CSV file: rows fitted to the header's width.
struct CSVRowReader: RowReader {
    let chunks: FileChunks
    var parser: CSVParser
    let width: Int
    var headerSeen = false
    var done = false

    init(path: String, profile: TableProfile, options: IngestOptions) throws {
        chunks = try FileChunks(path: path)
        parser = CSVParser(
            delimiter: profile.delimiter ?? UInt8(ascii: ","), encoding: profile.encoding, maxRecordBytes: options.maxRecordBytes)
        width = profile.columns.count
    }

    var bytesRead: Int { chunks.bytesRead }

    mutating func next(_ body: (CSVRecord) throws -> Void) throws -> Bool {
        if done { return false }
        var headerSeen = self.headerSeen
        let width = self.width
        func fitted(_ record: CSVRecord) throws {
            if !headerSeen {
                headerSeen = true
                return
            }
            if record.count == width { return try body(record) }
            var ends = Array(record.ends.prefix(width))
            while ends.count < width { ends.append(ends.last ?? 0) }
            let bytes = Array(record.bytes.prefix(ends.last ?? 0))
            try body(CSVRecord(bytes: bytes, ends: ends, line: record.line))
        }
        var parser = self.parser
        defer {
            self.parser = parser
            self.headerSeen = headerSeen
        }
        let more = try chunks.next { chunk in try parser.feed(buffer: chunk, emit: fitted) }
        if !more {
            try parser.finish(emit: fitted)
            done = true
        }
        return true
    }
}
