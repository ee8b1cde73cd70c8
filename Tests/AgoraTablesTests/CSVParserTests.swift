import AgoraTables
import Testing

@Suite("CSV parser")
struct CSVParserTests {
    /// Parses `text` fed in chunks of `chunk` bytes; returns records with their first lines.
    static func parse(
        _ bytes: [UInt8], delimiter: UInt8 = UInt8(ascii: ","), encoding: CSVParser.Encoding = .utf8, chunk: Int = 3, max: Int = 1 << 20
    )
        throws -> [([String], Int)]
    {
        var parser = CSVParser(delimiter: delimiter, encoding: encoding, maxRecordBytes: max)
        var out: [([String], Int)] = []
        var i = 0
        while i < bytes.count {
            try parser.feed(bytes[i..<min(i + chunk, bytes.count)]) { out.append(($0.strings, $0.line)) }
            i += chunk
        }
        try parser.finish { out.append(($0.strings, $0.line)) }
        return out
    }

    static func records(_ text: String, chunk: Int = 3) throws -> [[String]] {
        try parse(Array(text.utf8), chunk: chunk).map(\.0)
    }

    @Test("quoted fields with delimiters, quotes and newlines, in any chunking")
    func quoting() throws {
        let text = "name,notes\r\n\"Smith, Ann\",\"said \"\"hi\"\"\"\r\n\"multi\nline\",plain\r\n\"\",last"
        for chunk in [1, 2, 3, 7, 100] {
            #expect(
                try Self.records(text, chunk: chunk) == [
                    ["name", "notes"], ["Smith, Ann", "said \"hi\""], ["multi\nline", "plain"], ["", "last"],
                ])
        }
    }

    @Test("record start lines count every physical line, LF or CRLF")
    func lineNumbers() throws {
        for newline in ["\n", "\r\n"] {
            let text = ["a,b", "\"x\(newline)y\",z", "", "c,d"].joined(separator: newline) + newline
            let parsed = try Self.parse(Array(text.utf8))
            #expect(parsed.map(\.1) == [1, 2, 5], "\(newline == "\n" ? "LF" : "CRLF")")
            #expect(parsed.map(\.0) == [["a", "b"], ["x\(newline)y", "z"], ["c", "d"]])
        }
    }

    @Test("a UTF-8 byte-order mark is dropped, even when split across chunks")
    func bom() throws {
        for chunk in [1, 2, 10] {
            #expect(try Self.parse([0xEF, 0xBB, 0xBF] + Array("id,ä\n1,2".utf8), chunk: chunk).map(\.0) == [["id", "ä"], ["1", "2"]])
        }
    }

    @Test("Windows-1252 text is detected and converted")
    func windows1252() throws {
        let bytes: [UInt8] = Array("caf".utf8) + [0xE9] + Array(",".utf8) + [0x80] + Array("5,".utf8) + [0x93] + Array("q".utf8) + [0x94]
        #expect(CSVSniffer.encoding(of: bytes) == .windows1252)
        #expect(try Self.parse(bytes, encoding: .windows1252).map(\.0) == [["café", "€5", "\u{201C}q\u{201D}"]])
        #expect(CSVSniffer.encoding(of: Array("café,€5".utf8)) == .utf8)
        // A multi-byte character cut by the end of the sample is still UTF-8.
        #expect(CSVSniffer.encoding(of: Array(Array("ab€".utf8).dropLast())) == .utf8)
    }

    @Test("delimiters are detected among comma, semicolon, tab and pipe")
    func delimiters() {
        #expect(CSVSniffer.delimiter(of: Array("a;b;c\n1;2,5;3\n4;5;6\n".utf8)) == UInt8(ascii: ";"))
        #expect(CSVSniffer.delimiter(of: Array("a\tb\n1\t2\n".utf8)) == UInt8(ascii: "\t"))
        #expect(CSVSniffer.delimiter(of: Array("a|b|c\n1|2|3\n".utf8)) == UInt8(ascii: "|"))
        #expect(CSVSniffer.delimiter(of: Array("\"x;y\",b\n1,2\n".utf8)) == UInt8(ascii: ","))
        #expect(CSVSniffer.delimiter(of: Array("single\ncolumn\n".utf8)) == UInt8(ascii: ","))
    }

    @Test("bad input: an unclosed quote and an over-long record name their line")
    func failures() {
        #expect(throws: CSVParser.Failure(line: 2, message: "a quoted field is not closed before the end of the file")) {
            _ = try Self.parse(Array("a,b\n\"open,2\n3,4\n".utf8))
        }
        #expect(throws: CSVParser.Failure.self) { _ = try Self.parse(Array("a,b\n\(String(repeating: "x", count: 100))\n".utf8), max: 50) }
        do {
            _ = try Self.parse(Array("a,b\nok,1\n\(String(repeating: "x", count: 100))\n".utf8), max: 50)
        } catch let failure as CSVParser.Failure {
            #expect(failure.line == 3)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("blank lines are skipped and a missing final newline is fine")
    func blanks() throws {
        #expect(try Self.records("a,b\n\n\n1,2") == [["a", "b"], ["1", "2"]])
        #expect(try Self.records("") == [])
        #expect(try Self.records("a,,\n") == [["a", "", ""]])
    }
}
