import AgoraCore
import Foundation
import Hummingbird
import Logging

/// The one place where errors become HTTP answers in the native dialect: RFC 7807 problem+json.
/// Internal errors are logged with the request id and never shown (no SQL, no paths).
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AgoraRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: Self.problem(for: error, context: context), request: request)
        }
    }

    static func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let http as HTTPError:
            switch http.status {
            case .notFound: return Problem(.notFound, "No resource lives at this path.")
            case .methodNotAllowed: return Problem(.methodNotAllowed, "This method is not allowed here.")
            case .contentTooLarge: return Problem(.payloadTooLarge, "The request body is too large.")
            case .badRequest: return Problem(.badRequest, http.body ?? "The request could not be read.")
            default:
                return Problem(http.status.code >= 500 ? .internalError : .badRequest, http.body ?? http.status.reasonPhrase)
            }
        default:
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return Problem(.internalError, "Something went wrong on the server; it has been logged (request \(context.id)).")
        }
    }

    static func response(for problem: Problem, request: Request) -> Response {
        var body = "{\"type\":" + AgoraJSON.quote("https://agora.city/problems/\(problem.kind.rawValue)")
        body += ",\"title\":" + AgoraJSON.quote(problem.kind.title)
        body += ",\"status\":\(problem.status)"
        body += ",\"detail\":" + AgoraJSON.quote(problem.detail)
        body += ",\"instance\":" + AgoraJSON.quote(request.uri.path)
        if !problem.errors.isEmpty {
            body += ",\"errors\":["
            body += problem.errors.map { "{\"field\":\(AgoraJSON.quote($0.field)),\"message\":\(AgoraJSON.quote($0.message))}" }
                .joined(separator: ",")
            body += "]"
        }
        body += "}"
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if problem.kind == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"agora\"" }
        return Response(
            status: HTTPResponse.Status(code: problem.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
