import AgoraCore
import AgoraPeople
import Foundation
import Hummingbird

/// Resolves `Authorization: Bearer TOKEN` (or CKAN's raw token, or `X-CKAN-API-Key`) to an identity. No header means an anonymous reader;
/// a token that is not known is refused outright, so a misconfigured client notices.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AgoraRequestContext
    let accounts: AccountService

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        // CKAN clients send the raw token in Authorization or in X-CKAN-API-Key.
        let ckanKey = request.headers.first { $0.name.canonicalName == "x-ckan-api-key" }?.value
        guard let header = request.headers[.authorization] ?? ckanKey else { return try await next(request, context) }
        let token: String
        if header.lowercased().hasPrefix("bearer ") {
            token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else {
            token = header.trimmingCharacters(in: .whitespaces)
        }
        guard let identity = try await accounts.identity(forToken: token) else {
            throw Problem(.unauthorized, "The API token is not valid.")
        }
        var context = context
        context.identity = identity
        return try await next(request, context)
    }
}
