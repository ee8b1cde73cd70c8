import AgoraCore
import AgoraStore
import Foundation

/// Accounts, API tokens and publisher memberships. Tokens are random, shown once, stored as SHA-256.
public struct AccountService: Sendable {
    let store: any Store
    let clock: any Clock

    public init(store: any Store, clock: any Clock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    public struct NewAccount: Codable, Sendable {
        public var name: String
        public var displayName: String?
        public var email: String?
        public var siteAdmin: Bool?

        enum CodingKeys: String, CodingKey {
            case name
            case displayName = "display_name"
            case email
            case siteAdmin = "site_admin"
        }
        public static let fields: Set<String> = ["name", "display_name", "email", "site_admin"]

        public init(name: String, displayName: String? = nil, email: String? = nil, siteAdmin: Bool? = nil) {
            self.name = name
            self.displayName = displayName
            self.email = email
            self.siteAdmin = siteAdmin
        }
    }

    /// Resolves a bearer token to the identity behind it, or nil when the token is unknown.
    public func identity(forToken token: String) async throws -> Identity? {
        guard !token.isEmpty, token.utf8.count <= 200,
            let account = try await store.account(tokenHash: SHA256Hex.of(token))
        else { return nil }
        return Identity(account: account, memberships: try await store.memberships(accountID: account.id))
    }

    public func createAccount(_ input: NewAccount, by actor: Identity?) async throws -> Account {
        guard actor?.account.isSiteAdmin == true else {
            throw Problem.forbidden("Only a site admin can create accounts.")
        }
        var errors: [Problem.FieldError] = []
        if let message = Slug.problem(with: input.name) { errors.append(.init(field: "name", message: message)) }
        if let email = input.email, !Validation.isEmail(email) {
            errors.append(.init(field: "email", message: "must be an email address"))
        }
        if let display = input.displayName, display.count > 200 {
            errors.append(.init(field: "display_name", message: "must be at most 200 characters"))
        }
        if !errors.isEmpty { throw Problem.validation(errors) }
        let now = Timestamp.truncated(clock.now())
        let account = Account(
            id: UUIDv7.string(at: now), name: input.name, displayName: input.displayName ?? input.name,
            email: input.email, isSiteAdmin: input.siteAdmin ?? false, created: now)
        try await store.insertAccount(account)
        return account
    }

    /// Creates a token for `account` and returns its secret, which is never stored and cannot be shown again.
    public func createToken(for account: Account, label: String) async throws -> (secret: String, token: APIToken) {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let secret = "agora_" + SHA256Hex.hex(bytes)
        let now = Timestamp.truncated(clock.now())
        let token = APIToken(
            id: UUIDv7.string(at: now), accountID: account.id, tokenHash: SHA256Hex.of(secret),
            label: String(label.prefix(200)), created: now)
        try await store.insertToken(token)
        return (secret, token)
    }

    /// Tokens of `name`, for that account itself or a site admin.
    public func tokens(of name: String, by actor: Identity?) async throws -> [APIToken] {
        let account = try await ownedAccount(name, actor)
        return try await store.tokens(accountID: account.id)
    }

    /// Revokes a token at once: the next request that sends it is refused.
    public func revokeToken(_ id: String, of name: String, by actor: Identity?) async throws {
        let account = try await ownedAccount(name, actor)
        guard try await store.deleteToken(id: id, accountID: account.id) else {
            throw Problem.notFound("Token '\(id)' of account '\(name)'")
        }
    }

    private func ownedAccount(_ name: String, _ actor: Identity?) async throws -> Account {
        guard let actor else { throw Problem.unauthorized }
        guard actor.account.isSiteAdmin || actor.account.name == name else {
            throw Problem.forbidden("Only a site admin can see or revoke another account's tokens.")
        }
        return try await account(name: name)
    }

    /// The first site admin, created when there is none: what `agora token create --admin` needs.
    public func ensureSiteAdmin() async throws -> Account {
        if let admin = try await store.accounts().first(where: \.isSiteAdmin) { return admin }
        let now = Timestamp.truncated(clock.now())
        let account = Account(id: UUIDv7.string(at: now), name: "admin", displayName: "Site admin", isSiteAdmin: true, created: now)
        do {
            try await store.insertAccount(account)
            return account
        } catch let problem as Problem where problem.kind == .conflict {
            // Another process made it at the same moment.
            guard let existing = try await store.account(name: "admin") else { throw problem }
            return existing
        }
    }

    public func account(name: String) async throws -> Account {
        guard let account = try await store.account(name: name) else { throw Problem.notFound("Account '\(name)'") }
        return account
    }

    // MARK: Memberships

    public struct Member: Codable, Sendable, Equatable {
        public var account: String
        public var displayName: String
        public var role: MemberRole

        enum CodingKeys: String, CodingKey {
            case account
            case displayName = "display_name"
            case role
        }
    }

    public func members(of publisher: Publisher) async throws -> [Member] {
        var out: [Member] = []
        for membership in try await store.members(publisherID: publisher.id) {
            if let account = try await store.account(id: membership.accountID) {
                out.append(Member(account: account.name, displayName: account.displayName, role: membership.role))
            }
        }
        return out.sorted { $0.account < $1.account }
    }

    public func setMember(
        _ accountName: String, role: MemberRole, of publisher: Publisher, by actor: Identity?
    ) async throws
        -> Member
    {
        try requireAdmin(of: publisher, actor)
        let account = try await account(name: accountName)
        try await store.setMembership(Membership(publisherID: publisher.id, accountID: account.id, role: role))
        return Member(account: account.name, displayName: account.displayName, role: role)
    }

    public func removeMember(_ accountName: String, of publisher: Publisher, by actor: Identity?) async throws {
        try requireAdmin(of: publisher, actor)
        let account = try await account(name: accountName)
        guard try await store.removeMembership(publisherID: publisher.id, accountID: account.id) else {
            throw Problem.notFound("Membership of '\(accountName)' in '\(publisher.slug)'")
        }
    }

    private func requireAdmin(of publisher: Publisher, _ actor: Identity?) throws {
        guard let actor else { throw Problem.unauthorized }
        guard actor.has(.admin, in: publisher.id) else {
            throw Problem.forbidden("Only an admin of '\(publisher.slug)' or a site admin can manage its members.")
        }
    }
}
