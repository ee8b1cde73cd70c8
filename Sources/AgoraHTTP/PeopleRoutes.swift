import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import Foundation
import Hummingbird

/// Accounts, API tokens and publishers' members.
struct PeopleRoutes {
    let accounts: AccountService
    let catalog: CatalogService
    let configuration: AgoraConfiguration

    static let accountSchema = KeySchema.object(
        Dictionary(uniqueKeysWithValues: AccountService.NewAccount.fields.map { ($0, KeySchema.value) }))
    static let tokenSchema = KeySchema.object(["label": .value])
    static let memberSchema = KeySchema.object(["role": .value])

    struct NewToken: Codable {
        var label: String?
    }
    struct MemberRoleInput: Codable {
        var role: MemberRole
    }
    struct IssuedToken: Encodable {
        var id: String
        var account: String
        var label: String
        var token: String
        var created: Date
    }
    struct Me: Encodable {
        var account: Account
        var memberships: [Membership]
    }

    func addRoutes(to routes: inout RouteTable) {
        let limit = configuration.maxBodyBytes
        routes.post("/api/v1/accounts") { request, context in
            let (input, _) = try await StrictJSON.decode(
                AccountService.NewAccount.self, from: request, schema: Self.accountSchema, limit: limit)
            let account = try await accounts.createAccount(input, by: context.identity)
            return try Reply.json(account, status: .created)
        }
        routes.get("/api/v1/accounts/me") { _, context in
            guard let identity = context.identity else { throw Problem.unauthorized }
            return try Reply.json(Me(account: identity.account, memberships: identity.memberships))
        }
        routes.post("/api/v1/accounts/{name}/tokens") { request, context in
            guard let identity = context.identity else { throw Problem.unauthorized }
            let name = try context.parameters.require("name")
            guard identity.account.isSiteAdmin || identity.account.name == name else {
                throw Problem.forbidden("Only a site admin can create tokens for another account.")
            }
            let (input, _) = try await StrictJSON.decode(NewToken.self, from: request, schema: Self.tokenSchema, limit: limit)
            let account = try await accounts.account(name: name)
            let (secret, token) = try await accounts.createToken(for: account, label: input.label ?? "api")
            return try Reply.json(
                IssuedToken(id: token.id, account: account.name, label: token.label, token: secret, created: token.created),
                status: .created)
        }
        routes.get("/api/v1/accounts/{name}/tokens") { _, context in
            struct TokenView: Encodable {
                var id: String
                var label: String
                var created: Date
            }
            let tokens = try await accounts.tokens(of: try context.parameters.require("name"), by: context.identity)
            let views = tokens.map { TokenView(id: $0.id, label: $0.label, created: $0.created) }
            return try Reply.json(CatalogRoutes.Listing(count: views.count, results: views))
        }
        routes.delete("/api/v1/accounts/{name}/tokens/{id}") { _, context in
            try await accounts.revokeToken(
                try context.parameters.require("id"), of: try context.parameters.require("name"), by: context.identity)
            return Reply.noContent()
        }
        routes.get("/api/v1/publishers/{slug}/members") { _, context in
            let publisher = try await catalog.publisher(slug: try context.parameters.require("slug"))
            let members = try await accounts.members(of: publisher)
            return try Reply.json(CatalogRoutes.Listing(count: members.count, results: members))
        }
        routes.put("/api/v1/publishers/{slug}/members/{account}") { request, context in
            let publisher = try await catalog.publisher(slug: try context.parameters.require("slug"))
            let (input, _) = try await StrictJSON.decode(MemberRoleInput.self, from: request, schema: Self.memberSchema, limit: limit)
            let member = try await accounts.setMember(
                try context.parameters.require("account"), role: input.role, of: publisher, by: context.identity)
            return try Reply.json(member)
        }
        routes.delete("/api/v1/publishers/{slug}/members/{account}") { _, context in
            let publisher = try await catalog.publisher(slug: try context.parameters.require("slug"))
            try await accounts.removeMember(try context.parameters.require("account"), of: publisher, by: context.identity)
            return Reply.noContent()
        }
    }
}
