/// One parsed record: its fields' UTF-8 bytes, back to back, and where each ends. Valid only inside
/// the callback that receives it; the parser reuses its storage for the next record.
public struct CSVRecord {
    public let bytes: [UInt8]
    public let ends: [Int]
    /// The line the record starts on, 1-based.
    public let line: Int

    public var count: Int { ends.count }

    public func range(_ index: Int) -> Range<Int> { (index == 0 ? 0 : ends[index - 1])..<ends[index] }

    public func string(_ index: Int) -> String { String(decoding: bytes[range(index)], as: UTF8.self) }

    public var strings: [String] { (0..<count).map(string) }
}

/// A streaming CSV parser after RFC 4180 and as files are found in the wild: quoted fields with
/// embedded delimiters, quotes and newlines; CRLF, LF or CR; a UTF-8 byte-order mark; UTF-8 or
/// Windows-1252 text (converted to UTF-8). Bytes are fed in chunks of any size and records come out
/// as they complete, so memory stays bounded by the longest record.
public struct CSVParser {
    public enum Encoding: String, Sendable, Equatable {
        case utf8 = "UTF-8"
        /// Also covers Latin-1, of which it is a superset for printable characters.
        case windows1252 = "Windows-1252"
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

    private enum State {
        case fieldStart, unquoted, quoted, quoteInQuoted
    }

    public let delimiter: UInt8
    public let encoding: Encoding
    /// The longest record allowed, in bytes; a longer one is an error that names its line.
    public let maxRecordBytes: Int

    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var state = State.fieldStart
    private var recordStarted = false
    private var lastWasCR = false
    private var recordStartOffset = 0
    private var consumed = 0
    /// Bytes of a possible byte-order mark seen so far at the very start of the input.
    private var prefix: [UInt8] = []
    private var prefixDone = false
    private var recordLine = 1
    private var line = 1
    private var transcoded: [UInt8] = []

    public init(delimiter: UInt8 = UInt8(ascii: ","), encoding: Encoding = .utf8, maxRecordBytes: Int = 16 << 20) {
        self.delimiter = delimiter
        self.encoding = encoding
        self.maxRecordBytes = maxRecordBytes
        bytes.reserveCapacity(4096)
    }

    /// Parses the next chunk; `emit` receives each complete record.
    public mutating func feed(_ chunk: some Collection<UInt8>, emit: (CSVRecord) throws -> Void) throws {
        let array = Array(chunk)
        try array.withUnsafeBufferPointer { try feed(buffer: $0, emit: emit) }
    }

    /// Parses the next chunk; `emit` receives each complete record.
    public mutating func feed(buffer input: UnsafeBufferPointer<UInt8>, emit: (CSVRecord) throws -> Void) throws {
        var input = input
        if !prefixDone {
            // Holds back up to three bytes until it is clear whether they are a byte-order mark.
            let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
            var i = 0
            while i < input.count && prefix.count < 3 && prefix == Array(mark.prefix(prefix.count)) {
                prefix.append(input[i])
                i += 1
            }
            input = UnsafeBufferPointer(rebasing: input[i...])
            if prefix.count < 3 && prefix == Array(mark.prefix(prefix.count)) { return }
            prefixDone = true
            let held = prefix == mark ? [] : prefix
            prefix = []
            if !held.isEmpty { try held.withUnsafeBufferPointer { try feedBody($0, emit: emit) } }
        }
        try feedBody(input, emit: emit)
    }

    private mutating func feedBody(_ input: UnsafeBufferPointer<UInt8>, emit: (CSVRecord) throws -> Void) throws {
        guard encoding == .windows1252 else { return try parse(input, emit: emit) }
        transcoded.removeAll(keepingCapacity: true)
        Windows1252.appendUTF8(of: input, to: &transcoded)
        let converted = transcoded
        try converted.withUnsafeBufferPointer { try parse($0, emit: emit) }
    }

    private mutating func parse(_ chunk: UnsafeBufferPointer<UInt8>, emit: (CSVRecord) throws -> Void) throws {
        let quote = UInt8(ascii: "\"")
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        let delimiter = self.delimiter
        let n = chunk.count
        var i = 0
        while i < n {
            switch state {
            case .quoted:
                var j = i
                while j < n {
                    let c = chunk[j]
                    if c == quote { break }
                    if c == lf { line += 1 }
                    j += 1
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[i..<j]))
                try count(j - i)
                if j == n { return }
                state = .quoteInQuoted
                i = j + 1
                try count(1)
            case .quoteInQuoted:
                if chunk[i] == quote {
                    bytes.append(quote)
                    state = .quoted
                    i += 1
                    try count(1)
                } else {
                    // The quote closed the quoted part; what follows is read as unquoted.
                    state = .unquoted
                }
            case .fieldStart, .unquoted:
                if lastWasCR {
                    lastWasCR = false
                    if chunk[i] == lf {
                        i += 1
                        continue
                    }
                }
                if !recordStarted {
                    recordStarted = true
                    recordLine = line
                }
                var j = i
                while j < n {
                    let c = chunk[j]
                    if c == delimiter || c == quote || c == cr || c == lf { break }
                    j += 1
                }
                if j > i {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[i..<j]))
                    try count(j - i)
                    state = .unquoted
                    i = j
                    if i == n { return }
                }
                let c = chunk[i]
                i += 1
                try count(1)
                switch c {
                case delimiter:
                    ends.append(bytes.count)
                    state = .fieldStart
                case quote:
                    if state == .fieldStart { state = .quoted } else { bytes.append(quote) }
                case cr:
                    line += 1
                    lastWasCR = true
                    try endRecord(emit: emit)
                default:
                    line += 1
                    try endRecord(emit: emit)
                }
            }
        }
    }

    private mutating func count(_ n: Int) throws {
        consumed += n
        if consumed > maxRecordBytes {
            throw Failure(line: recordLine, message: "a record is longer than the limit of \(maxRecordBytes) bytes")
        }
    }

    /// Ends the input: a last record without a final newline is emitted; an unclosed quote is an error.
    public mutating func finish(emit: (CSVRecord) throws -> Void) throws {
        if !prefixDone {
            prefixDone = true
            let held = prefix == [0xEF, 0xBB, 0xBF] ? [] : prefix
            prefix = []
            if !held.isEmpty { try held.withUnsafeBufferPointer { try feedBody($0, emit: emit) } }
        }
        if state == .quoted {
            throw Failure(line: recordLine, message: "a quoted field is not closed before the end of the file")
        }
        if recordStarted && (!bytes.isEmpty || !ends.isEmpty || state != .fieldStart) { try endRecord(emit: emit) }
    }

    private mutating func endRecord(emit: (CSVRecord) throws -> Void) throws {
        ends.append(bytes.count)
        state = .fieldStart
        recordStarted = false
        consumed = 0
        defer {
            bytes.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
        }
        // A blank line is not a record.
        if ends.count == 1 && bytes.isEmpty { return }
        try emit(CSVRecord(bytes: bytes, ends: ends, line: recordLine))
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

    /// The five bytes Windows-1252 leaves undefined; text holding them is neither UTF-8 nor Windows-1252.
    static func isUndefined(_ byte: UInt8) -> Bool { byte == 0x81 || byte == 0x8D || byte == 0x8F || byte == 0x90 || byte == 0x9D }

    static func appendUTF8(of input: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.reserveCapacity(out.count + input.count + input.count / 8)
        for byte in input {
            if byte < 0x80 {
                out.append(byte)
            } else {
                let value = scalar(byte).value
                if value < 0x800 {
                    out.append(UInt8(0xC0 | (value >> 6)))
                    out.append(UInt8(0x80 | (value & 0x3F)))
                } else {
                    out.append(UInt8(0xE0 | (value >> 12)))
                    out.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
                    out.append(UInt8(0x80 | (value & 0x3F)))
                }
            }
        }
    }
}
