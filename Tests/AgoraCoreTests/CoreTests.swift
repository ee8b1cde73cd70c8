import AgoraCore
import Foundation
import Testing

@Suite("Core values")
struct CoreTests {
    @Test("slugs: valid ones pass, path characters and bad shapes do not")
    func slugs() {
        for good in ["air-quality", "bus-stops-2025", "a1"] { #expect(Slug.problem(with: good) == nil, "\(good)") }
        for bad in ["a", "Air", "a/b", "../x", "a--b", "-a", "a-", "a b", "a.json", "a%2Fb", String(repeating: "a", count: 101), "ä-b"] {
            #expect(Slug.problem(with: bad) != nil, "\(bad)")
        }
        #expect(Slug.make(from: "Air quality – Camden 2024!") == "air-quality-camden-2024")
        #expect(Slug.make(from: "Café & Bäckerei") == "cafe-backerei")
        #expect(Slug.make(from: "<script>") == "script")
    }

    @Test("licences: SPDX ids, CKAN aliases, any case; openness per the Open Definition")
    func licences() throws {
        let table = LicenceTable.standard
        #expect(try #require(table.licence("cc-by-4.0")).id == "CC-BY-4.0")
        #expect(table.licence("odc-odbl")?.id == "ODbL-1.0")
        #expect(table.licence("uk-ogl")?.id == "OGL-UK-3.0")
        for open in ["CC0-1.0", "CC-BY-4.0", "ODbL-1.0", "OGL-UK-3.0", "PDDL-1.0", "ODC-By-1.0", "CC-BY-SA-4.0"] {
            #expect(table.licence(open)?.isOpen == true, "\(open)")
        }
        for closed in ["CC-BY-NC-4.0", "CC-BY-ND-4.0", "other-closed", "notspecified"] {
            #expect(table.licence(closed)?.isOpen == false, "\(closed)")
        }
        #expect(table.licence("all-rights-reserved") == nil)
        #expect(Set(table.all.map { $0.id.lowercased() }).count == table.all.count)
    }

    @Test("timestamps: millisecond UTC text that reads back to the same instant")
    func timestamps() throws {
        let date = Date(timeIntervalSince1970: 1_795_000_000.123456)
        let text = Timestamp.string(date)
        #expect(text == "2026-11-18T11:06:40.123Z")
        #expect(Timestamp.parse(text) == Timestamp.truncated(date))
        #expect(Timestamp.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.parse("2025-06-01")?.timeIntervalSince1970 == 1_748_736_000)
        #expect(Timestamp.parse("2025-06-01T12:00:00+02:00")?.timeIntervalSince1970 == 1_748_772_000)
        #expect(Timestamp.parse("yesterday") == nil)
        #expect(Timestamp.isCalendarDate("2025-12-31"))
        #expect(!Timestamp.isCalendarDate("2025-13-01"))
    }

    @Test("UUIDv7: version and variant bits, time order")
    func uuidv7() {
        let a = UUIDv7.string(at: Date(timeIntervalSince1970: 1_700_000_000))
        let b = UUIDv7.string(at: Date(timeIntervalSince1970: 1_700_000_001))
        #expect(a < b)
        #expect(Array(a)[14] == "7")
        #expect("89ab".contains(Array(a)[19]))
        #expect(a != UUIDv7.string(at: Date(timeIntervalSince1970: 1_700_000_000)))
    }

    @Test("hashing and JSON quoting")
    func hashingAndQuoting() {
        #expect(SHA256Hex.of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var streaming = StreamingSHA256()
        streaming.update(Data("a".utf8))
        streaming.update(Data("bc".utf8))
        #expect(streaming.finalizeHex() == SHA256Hex.of("abc") && streaming.byteCount == 3)
        #expect(AgoraJSON.quote("a\"b\\c\n<\u{01}") == #""a\"b\\c\n\u003c\u0001""#)
        let round = try? JSONSerialization.jsonObject(with: Data(AgoraJSON.quote("tab\there ✓").utf8), options: .fragmentsAllowed)
        #expect(round as? String == "tab\there ✓")
    }

    @Test("validation helpers")
    func validation() {
        #expect(Validation.isEmail("a@b.org"))
        #expect(!Validation.isEmail("a@b") && !Validation.isEmail("a b@c.org") && !Validation.isEmail("@c.org"))
        #expect(Validation.isWebURL("https://data.example/x?y=1"))
        #expect(!Validation.isWebURL("javascript:alert(1)") && !Validation.isWebURL("/relative") && !Validation.isWebURL("ftp://x.org"))
        #expect(Validation.hasControlCharacters("a\u{07}b"))
        #expect(!Validation.hasControlCharacters("line\nbreak", allowNewlines: true))
    }
}
