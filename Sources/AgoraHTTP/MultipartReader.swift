import AgoraCore
import Foundation
import NIOCore

/// Reads a multipart/form-data body (RFC 7578) as it arrives: small fields are collected as text, a
/// file part is handed on in pieces, so an upload never has to fit in memory.
struct MultipartReader {
    struct PartHead {
        var name: String
        var fileName: String?
        var contentType: String?
    }

    let boundary: [UInt8]
    var maxFieldBytes = 1 << 20
    var maxHeaderBytes = 16 << 10

    /// The boundary a Content-Type names, if it is multipart/form-data.
    init?(contentType: String) {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data",
            let value = parts.dropFirst().first(where: { $0.lowercased().hasPrefix("boundary=") })?.dropFirst(9)
        else { return nil }
        let unquoted = value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 ? value.dropFirst().dropLast() : value
        guard !unquoted.isEmpty, unquoted.count <= 70 else { return nil }
        boundary = Array(unquoted.utf8)
    }

    enum State {
        case preamble, headers, body
    }

    /// Reads every part: text fields are returned by name; file parts go to `file` piece by piece
    /// (`begin` once per file part, then its bytes).
    func read<Body: AsyncSequence>(
        _ body: Body, file: (PartHead) async throws -> Void, bytes: ([UInt8]) async throws -> Void
    ) async throws -> [String: String] where Body.Element == ByteBuffer {
        let delimiter = Array("\r\n--".utf8) + boundary
        var buffer: [UInt8] = Array("\r\n".utf8)  // so the first boundary matches the delimiter too
        var state = State.preamble
        var head: PartHead?
        var field: [UInt8] = []
        var fields: [String: String] = [:]
        var finished = false

        func bad(_ detail: String) -> Problem { Problem.badRequest("The multipart body is malformed: \(detail).") }

        func process(final: Bool) async throws {
            while !finished {
                switch state {
                case .preamble, .body:
                    if let at = Self.find(delimiter, in: buffer) {
                        if state == .body, let current = head {
                            let piece = Array(buffer[..<at])
                            if current.fileName != nil {
                                try await bytes(piece)
                            } else {
                                field += piece
                                fields[current.name] = String(decoding: field, as: UTF8.self)
                            }
                        }
                        let after = at + delimiter.count
                        guard buffer.count >= after + 2 else {
                            if final { throw bad("it ends inside a boundary") }
                            return
                        }
                        if buffer[after] == UInt8(ascii: "-") && buffer[after + 1] == UInt8(ascii: "-") {
                            finished = true
                            return
                        }
                        buffer.removeFirst(after)
                        // Skip transport padding to the end of the boundary line.
                        guard let lineEnd = Self.find(Array("\r\n".utf8), in: buffer) else {
                            if final { throw bad("a boundary line does not end") }
                            return
                        }
                        buffer.removeFirst(lineEnd + 2)
                        state = .headers
                        head = nil
                        field = []
                    } else {
                        // Keep enough of the tail to find a delimiter split across pieces.
                        let keep = delimiter.count + 1
                        if buffer.count > keep {
                            let piece = Array(buffer[..<(buffer.count - keep)])
                            buffer.removeFirst(buffer.count - keep)
                            if state == .body, let current = head {
                                if current.fileName != nil {
                                    try await bytes(piece)
                                } else {
                                    field += piece
                                    if field.count > maxFieldBytes {
                                        throw Problem(.payloadTooLarge, "The form field '\(current.name)' is too long.")
                                    }
                                }
                            }
                        }
                        if final { throw bad("the closing boundary is missing") }
                        return
                    }
                case .headers:
                    guard let end = Self.find(Array("\r\n\r\n".utf8), in: buffer) else {
                        if buffer.count > maxHeaderBytes { throw bad("a part's headers are too long") }
                        if final { throw bad("a part's headers do not end") }
                        return
                    }
                    let text = String(decoding: buffer[..<end], as: UTF8.self)
                    buffer.removeFirst(end + 4)
                    var part = PartHead(name: "")
                    for line in text.split(separator: "\r\n") {
                        guard let colon = line.firstIndex(of: ":") else { continue }
                        let key = line[..<colon].lowercased().trimmingCharacters(in: .whitespaces)
                        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                        if key == "content-type" { part.contentType = value }
                        if key == "content-disposition" {
                            for parameter in value.split(separator: ";").dropFirst() {
                                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                                guard pair.count == 2 else { continue }
                                let unquoted =
                                    pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2
                                    ? String(pair[1].dropFirst().dropLast()) : pair[1]
                                if pair[0].lowercased() == "name" { part.name = unquoted }
                                if pair[0].lowercased() == "filename" { part.fileName = unquoted }
                            }
                        }
                    }
                    guard !part.name.isEmpty else { throw bad("a part has no name") }
                    if part.fileName != nil { try await file(part) }
                    head = part
                    state = .body
                }
            }
        }

        for try await piece in body {
            if finished { break }
            buffer += piece.readableBytesView
            try await process(final: false)
        }
        if !finished { try await process(final: true) }
        return fields
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count, let first = needle.first else { return nil }
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            guard let at = haystack[i...last].firstIndex(of: first) else { return nil }
            var match = true
            for j in 1..<needle.count where haystack[at + j] != needle[j] {
                match = false
                break
            }
            if match { return at }
            i = at + 1
        }
        return nil
    }
}
