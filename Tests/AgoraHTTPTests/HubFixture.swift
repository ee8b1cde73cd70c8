import AgoraCatalog
import AgoraCore
import AgoraHTTP
import AgoraPeople
import AgoraStore
import AgoraTables
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A hub on an in-memory store with the demo city loaded, plus tokens for an admin, an editor of
/// the council and an outsider.
struct HubFixture {
    let services: AgoraServices
    let adminToken: String
    let editorToken: String
    let outsiderToken: String

    init(maxBodyBytes: Int = 1 << 20, maxUploadBytes: Int = 1 << 20, demo: Bool = true) async throws {
        var config = AgoraConfiguration()
        config.maxBodyBytes = maxBodyBytes
        config.maxUploadBytes = maxUploadBytes
        config.port = 0
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("agora-http-\(UUID().uuidString)")
        services = AgoraServices(
            configuration: config, store: try SQLiteStore.inMemory(), blobs: try BlobStore(root: dir),
            tableEngine: try SQLiteTableEngine(directory: dir.appendingPathComponent("tables")))
        if demo {
            try await DemoCity.load(catalog: services.catalog, accounts: services.accounts, blobs: services.blobs)
        }
        let accounts = services.accounts
        let admin = try await accounts.ensureSiteAdmin()
        adminToken = try await accounts.createToken(for: admin, label: "test").secret
        let adminIdentity = Identity(account: admin, memberships: [])
        if demo { _ = try await services.tables.tabulateUploads(by: adminIdentity) }
        let editor = try await accounts.createAccount(.init(name: "eddie"), by: adminIdentity)
        let outsider = try await accounts.createAccount(.init(name: "olga"), by: adminIdentity)
        editorToken = try await accounts.createToken(for: editor, label: "test").secret
        outsiderToken = try await accounts.createToken(for: outsider, label: "test").secret
        if demo {
            let council = try await services.catalog.publisher(slug: "riverton-council")
            _ = try await accounts.setMember("eddie", role: .editor, of: council, by: adminIdentity)
        }
    }

    var app: some ApplicationProtocol { AgoraApp.buildApplication(services) }
}

struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: String
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

extension TestClientProtocol {
    func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil, body: ByteBuffer? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var payload = body
        if let json {
            headers[.contentType] = "application/json"
            payload = ByteBuffer(string: json)
        }
        return try await execute(uri: uri, method: method, headers: headers, body: payload) { response in
            Reply(status: response.status, headers: response.headers, body: String(buffer: response.body))
        }
    }
}

/// Field names of a problem+json body's errors.
func problemFields(_ reply: Reply) -> [String] {
    (reply.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
}
