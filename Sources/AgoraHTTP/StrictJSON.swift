import AgoraCore
import Foundation
import Hummingbird

/// Which keys a JSON body may hold, so unknown fields are refused by name instead of silently dropped.
indirect enum KeySchema: Sendable {
    case object([String: KeySchema], readOnly: Set<String> = [])
    case array(KeySchema)
    case value

    func unknownKeys(in json: Any, path: String = "") -> [String] {
        switch self {
        case .value:
            return []
        case .array(let element):
            guard let items = json as? [Any] else { return [] }
            return items.enumerated().flatMap { element.unknownKeys(in: $1, path: "\(path)[\($0)]") }
        case .object(let fields, let readOnly):
            guard let object = json as? [String: Any] else { return [] }
            var unknown: [String] = []
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                let keyPath = path.isEmpty ? key : "\(path).\(key)"
                if let schema = fields[key] {
                    unknown += schema.unknownKeys(in: value, path: keyPath)
                } else if !readOnly.contains(key) {
                    unknown.append(keyPath)
                }
            }
            return unknown
        }
    }
}

enum StrictJSON {
    /// Reads the whole body up to `limit` bytes; a larger body is a 413.
    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem(.payloadTooLarge, "The request body is \(length) bytes; the limit is \(limit) bytes.")
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem(.payloadTooLarge, "The request body is larger than the limit of \(limit) bytes.")
        }
    }

    /// Decodes a JSON object body into `T`, refusing unknown keys; returns the top-level keys present,
    /// which a partial update needs (a key sent as null clears, an absent key keeps).
    static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, schema: KeySchema, limit: Int
    ) async throws -> (value: T, presentFields: Set<String>) {
        let buffer = try await collect(request, limit: limit)
        if let contentType = request.headers[.contentType], !contentType.lowercased().contains("json") {
            throw Problem(.unsupportedMediaType, "Send the body as application/json (got '\(contentType)').")
        }
        return try decode(type, from: Data(buffer.readableBytesView), schema: schema)
    }

    static func decode<T: Decodable>(
        _ type: T.Type, from data: Data, schema: KeySchema
    ) throws -> (
        value: T, presentFields: Set<String>
    ) {
        if data.isEmpty { throw Problem(.invalidJSON, "The request body is empty; send a JSON object.") }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw Problem(.invalidJSON, "The body is not valid JSON: \(describe(error, in: data))")
        }
        guard let object = json as? [String: Any] else {
            throw Problem(.invalidJSON, "The body must be a JSON object.")
        }
        let unknown = schema.unknownKeys(in: object)
        if !unknown.isEmpty {
            throw Problem(
                .unknownFields, "Unknown field\(unknown.count == 1 ? "" : "s"): \(unknown.joined(separator: ", ")).",
                errors: unknown.map { .init(field: $0, message: "is not a field of this resource") })
        }
        do {
            return (try AgoraJSON.decoder().decode(T.self, from: data), Set(object.keys))
        } catch let error as DecodingError {
            throw problem(for: error)
        }
    }

    static func problem(for error: DecodingError) -> Problem {
        func path(_ codingPath: [any CodingKey]) -> String {
            var out = ""
            for key in codingPath {
                if let index = key.intValue { out += "[\(index)]" } else { out += out.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return out.isEmpty ? "(body)" : out
        }
        let field: String
        let message: String
        switch error {
        case .typeMismatch(let type, let context):
            field = path(context.codingPath)
            message = "expected \(describe(type))"
        case .valueNotFound(let type, let context):
            field = path(context.codingPath)
            message = "expected \(describe(type)), got null"
        case .keyNotFound(let key, let context):
            field = path(context.codingPath + [key])
            message = "is required"
        case .dataCorrupted(let context):
            field = path(context.codingPath)
            message = context.debugDescription
        @unknown default:
            field = "(body)"
            message = "could not be read"
        }
        return Problem(.badRequest, "Invalid value for \(field): \(message).", errors: [.init(field: field, message: message)])
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }

    /// Says where JSON parsing stopped, as line and column.
    private static func describe(_ error: any Error, in data: Data) -> String {
        let nsError = error as NSError
        let text = (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
        if text.contains("line") { return text }
        var index = nsError.userInfo["NSJSONSerializationErrorIndex"] as? Int
        if index == nil, let range = text.range(of: "character ") {
            index = Int(text[range.upperBound...].prefix { $0.isNumber })
        }
        guard let index, index <= data.count else { return text }
        let prefix = data.prefix(index)
        let line = prefix.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let lineStart = prefix.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        return text + " (line \(line), column \(index - lineStart + 1))"
    }
}
