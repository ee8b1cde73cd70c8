import AgoraCore
import Hummingbird

/// Registers routes on the router and remembers each (method, path), so the OpenAPI document can be
/// checked against what is really served.
public struct RouteTable {
    public struct Entry: Hashable, Sendable {
        public var method: String
        public var path: String
    }

    let router: Router<AgoraRequestContext>
    public private(set) var entries: [Entry] = []

    init(router: Router<AgoraRequestContext>) { self.router = router }

    typealias Handler = @Sendable (Request, AgoraRequestContext) async throws -> Response

    mutating func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        entries.append(Entry(method: method.rawValue, path: path))
        router.on(RouterPath(path), method: method, use: handler)
    }

    mutating func get(_ path: String, _ handler: @escaping Handler) { on(.get, path, handler) }
    mutating func post(_ path: String, _ handler: @escaping Handler) { on(.post, path, handler) }
    mutating func put(_ path: String, _ handler: @escaping Handler) { on(.put, path, handler) }
    mutating func patch(_ path: String, _ handler: @escaping Handler) { on(.patch, path, handler) }
    mutating func delete(_ path: String, _ handler: @escaping Handler) { on(.delete, path, handler) }
}

/// Small builders for the responses every controller writes.
enum Reply {
    static func json(_ body: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        json(try AgoraJSONEncoding.string(value), status: status, headers: headers)
    }

    static func text(_ body: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        text(body, contentType: "text/html; charset=utf-8", status: status)
    }

    static func noContent() -> Response { Response(status: .noContent) }
}

enum AgoraJSONEncoding {
    static func string<T: Encodable>(_ value: T) throws -> String { try AgoraJSON.encodeString(value) }
}
