/// A streaming CSV parser after RFC 4180 and as files are found in the wild: quoted fields with
/// embedded delimiters, quotes and newlines; CRLF or LF; a UTF-8 byte-order mark; UTF-8 or
/// Windows-1252 text. Bytes are fed in chunks of any size and records come out as they complete,
/// so memory stays bounded by the longest record.
public struct CSVParser {
    public enum Encoding: Sendable, Equatable {
        case utf8
        /// Also covers Latin-1, of which it is a superset for printable characters.
        case windows1252
    }

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }

        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    public let delimiter: UInt8
    public let encoding: Encoding
    /// The longest record allowed, in bytes; a longer one is an error that names its line.
    public let maxRecordBytes: Int

    private var fields: [String] = []
    private var field: [UInt8] = []
    private var recordBytes = 0
    private var inQuotes = false
    private var quoteInQuotes = false
    private var lastWasCR = false
    private var atStart = true
    /// The line the current record starts on (1-based), and the line being read.
    private var recordLine = 1
    private var line = 1

    public init(delimiter: UInt8 = UInt8(ascii: ","), encoding: Encoding = .utf8, maxRecordBytes: Int = 16 << 20) {
        self.delimiter = delimiter
        self.encoding = encoding
        self.maxRecordBytes = maxRecordBytes
    }

    /// Parses the next chunk; `emit` receives each complete record with the line it started on.
    public mutating func feed(_ bytes: some Collection<UInt8>, emit: ([String], Int) throws -> Void) throws {
        for byte in bytes {
            if atStart {
                atStart = false
                bomState = byte == 0xEF ? 1 : 0
                if bomState == 1 { continue }
            } else if bomState == 1 {
                if byte == 0xBB {
                    bomState = 2
                    continue
                }
                field.append(0xEF)
                bomState = 0
            } else if bomState == 2 {
                bomState = 0
                if byte == 0xBF { continue }
                field.append(contentsOf: [0xEF, 0xBB])
            }
            try consume(byte, emit: emit)
        }
    }

    private var bomState = 0

    private var recordStarted = false

    private mutating func consume(_ byte: UInt8, emit: ([String], Int) throws -> Void) throws {
        let afterCR = lastWasCR
        lastWasCR = false
        if byte == UInt8(ascii: "\n") && afterCR {
            // The CR already ended the record; this LF only ends the line.
            line += 1
            return
        }
        if !recordStarted {
            recordStarted = true
            recordLine = line
        }
        if byte == UInt8(ascii: "\n") { line += 1 }
        recordBytes += 1
        if recordBytes > maxRecordBytes {
            throw Failure(line: recordLine, message: "a record is longer than the limit of \(maxRecordBytes) bytes")
        }
        if inQuotes {
            if quoteInQuotes {
                quoteInQuotes = false
                if byte == UInt8(ascii: "\"") {
                    field.append(byte)
                    return
                }
                // The previous quote closed the quoted part; this byte is read as unquoted.
                inQuotes = false
            } else if byte == UInt8(ascii: "\"") {
                quoteInQuotes = true
                return
            } else {
                field.append(byte)
                return
            }
        }
        switch byte {
        case delimiter:
            endField()
        case UInt8(ascii: "\""):
            if field.isEmpty { inQuotes = true } else { field.append(byte) }
        case UInt8(ascii: "\r"):
            lastWasCR = true
            try endRecord(emit: emit)
        case UInt8(ascii: "\n"):
            try endRecord(emit: emit)
        default:
            field.append(byte)
        }
    }

    /// Ends the input: a last record without a final newline is emitted; an unclosed quote is an error.
    public mutating func finish(emit: ([String], Int) throws -> Void) throws {
        if bomState == 1 { field.append(0xEF) }
        if bomState == 2 { field.append(contentsOf: [0xEF, 0xBB]) }
        bomState = 0
        if inQuotes && !quoteInQuotes {
            throw Failure(line: recordLine, message: "a quoted field is not closed before the end of the file")
        }
        inQuotes = false
        quoteInQuotes = false
        if !field.isEmpty || !fields.isEmpty { try endRecord(emit: emit) }
    }

    private mutating func endField() {
        fields.append(decode(field))
        field.removeAll(keepingCapacity: true)
    }

    private mutating func endRecord(emit: ([String], Int) throws -> Void) throws {
        endField()
        let record = fields
        fields.removeAll(keepingCapacity: true)
        recordBytes = 0
        recordStarted = false
        let start = recordLine
        // A blank line is not a record.
        if record.count == 1 && record[0].isEmpty { return }
        try emit(record, start)
    }

    private func decode(_ bytes: [UInt8]) -> String {
        switch encoding {
        case .utf8: return String(decoding: bytes, as: UTF8.self)
        case .windows1252: return String(String.UnicodeScalarView(bytes.map(Windows1252.scalar)))
        }
    }
}

/// Guesses a file's encoding and delimiter from its first bytes.
public enum CSVSniffer {
    public static let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")]

    /// UTF-8 when the sample is valid UTF-8 (a sequence cut at the sample's end is allowed), else Windows-1252.
    public static func encoding(of sample: [UInt8]) -> CSVParser.Encoding {
        var i = 0
        while i < sample.count {
            let b = sample[i]
            let length: Int
            if b < 0x80 {
                length = 1
            } else if b >> 5 == 0b110 && b >= 0xC2 {
                length = 2
            } else if b >> 4 == 0b1110 {
                length = 3
            } else if b >> 3 == 0b11110 && b <= 0xF4 {
                length = 4
            } else {
                return .windows1252
            }
            if i + length > sample.count { return .utf8 }
            for j in 1..<length where sample[i + j] >> 6 != 0b10 { return .windows1252 }
            i += length
        }
        return .utf8
    }

    /// The candidate that splits the sample's first lines into the same number of fields (more than
    /// one) most consistently; a comma when nothing does.
    public static func delimiter(of sample: [UInt8]) -> UInt8 {
        var best = UInt8(ascii: ",")
        var bestScore = 0
        for candidate in delimiters {
            var counts: [Int] = []
            var count = 0
            var inQuotes = false
            for byte in sample {
                if byte == UInt8(ascii: "\"") { inQuotes.toggle() }
                if inQuotes { continue }
                if byte == candidate { count += 1 }
                if byte == UInt8(ascii: "\n") {
                    counts.append(count)
                    count = 0
                    if counts.count == 50 { break }
                }
            }
            if counts.isEmpty { counts.append(count) }
            guard let first = counts.first, first > 0 else { continue }
            let consistent = counts.filter { $0 == first }.count
            let score = consistent * 1000 + first
            if score > bestScore {
                bestScore = score
                best = candidate
            }
        }
        return best
    }
}

/// Windows-1252 bytes to Unicode: Latin-1 except for 0x80–0x9F, where Windows put typographic characters.
enum Windows1252 {
    static let high: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]

    static func scalar(_ byte: UInt8) -> Unicode.Scalar {
        if byte >= 0x80 && byte <= 0x9F { return Unicode.Scalar(high[Int(byte) - 0x80])! }
        return Unicode.Scalar(byte)
    }
}
