/// The one typed error of Agora. Services throw it; each API surface renders it in its own dialect
/// (RFC 7807 natively, CKAN's envelope, NGSI-LD ProblemDetails).
public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case badRequest = "bad-request"
        case invalidJSON = "invalid-json"
        case unknownFields = "unknown-fields"
        case validation = "validation"
        case unknownLicence = "unknown-licence"
        case unauthorized = "unauthorized"
        case forbidden = "forbidden"
        case notFound = "not-found"
        case gone = "gone"
        case conflict = "conflict"
        case payloadTooLarge = "payload-too-large"
        case unsupportedMediaType = "unsupported-media-type"
        case methodNotAllowed = "method-not-allowed"
        case internalError = "internal-error"
        case unavailable = "unavailable"
        case invalidFile = "invalid-file"

        public var status: Int {
            switch self {
            case .badRequest, .invalidJSON, .unknownFields: 400
            case .unauthorized: 401
            case .forbidden: 403
            case .notFound: 404
            case .methodNotAllowed: 405
            case .conflict: 409
            case .gone: 410
            case .payloadTooLarge: 413
            case .unsupportedMediaType: 415
            case .validation, .unknownLicence, .invalidFile: 422
            case .internalError: 500
            case .unavailable: 503
            }
        }

        public var title: String {
            switch self {
            case .badRequest: "Bad request"
            case .invalidJSON: "Invalid JSON"
            case .unknownFields: "Unknown fields"
            case .validation: "Validation failed"
            case .unknownLicence: "Unknown licence"
            case .invalidFile: "The file cannot be made into a table"
            case .unauthorized: "Authentication required"
            case .forbidden: "Not allowed"
            case .notFound: "Not found"
            case .gone: "Gone"
            case .conflict: "Conflict"
            case .payloadTooLarge: "Payload too large"
            case .unsupportedMediaType: "Unsupported media type"
            case .methodNotAllowed: "Method not allowed"
            case .internalError: "Internal error"
            case .unavailable: "Service unavailable"
            }
        }
    }

    /// One thing wrong with one named place in the input (a JSON field, a query parameter, a header).
    public struct FieldError: Sendable, Equatable, Codable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var kind: Kind
    public var detail: String
    public var errors: [FieldError]

    public init(_ kind: Kind, _ detail: String, errors: [FieldError] = []) {
        self.kind = kind
        self.detail = detail
        self.errors = errors
    }

    public var status: Int { kind.status }
    public var description: String { "\(kind.title): \(detail)" }

    public static func badRequest(_ detail: String, field: String? = nil) -> Problem {
        Problem(.badRequest, detail, errors: field.map { [FieldError(field: $0, message: detail)] } ?? [])
    }
    public static func validation(_ errors: [FieldError]) -> Problem {
        let fields = errors.map(\.field).joined(separator: ", ")
        return Problem(.validation, "Invalid value for: \(fields).", errors: errors)
    }
    public static func notFound(_ what: String) -> Problem { Problem(.notFound, "\(what) was not found.") }
    public static func conflict(_ detail: String, field: String? = nil) -> Problem {
        Problem(.conflict, detail, errors: field.map { [FieldError(field: $0, message: detail)] } ?? [])
    }
    public static let unauthorized = Problem(
        .unauthorized, "This action needs an API token: send 'Authorization: Bearer TOKEN'.")
    public static func forbidden(_ detail: String) -> Problem { Problem(.forbidden, detail) }
}
