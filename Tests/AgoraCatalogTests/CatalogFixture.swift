import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import Foundation
import Testing

/// A catalogue on a private in-memory store with a site admin, a publisher and its editor.
struct CatalogFixture {
    let store: any Store
    let catalog: CatalogService
    let accounts: AccountService
    let admin: Identity
    let council: Publisher

    init() async throws {
        store = try SQLiteStore.inMemory()
        catalog = CatalogService(store: store)
        accounts = AccountService(store: store)
        admin = Identity(account: try await accounts.ensureSiteAdmin(), memberships: [])
        council = try await catalog.createPublisher(PublisherInput(title: "Riverton Council"), by: admin)
        _ = try await catalog.createPublisher(PublisherInput(slug: "rail", title: "Riverton Rail"), by: admin)
    }

    /// An account holding `role` in the council (or nothing).
    func member(_ name: String, role: MemberRole?) async throws -> Identity {
        let account = try await accounts.createAccount(.init(name: name), by: admin)
        if let role { _ = try await accounts.setMember(name, role: role, of: council, by: admin) }
        return try #require(try await accounts.identity(forToken: try await accounts.createToken(for: account, label: "t").secret))
    }

    func validDataset(_ slug: String = "air-quality") -> DatasetInput {
        DatasetInput(
            slug: slug, publisher: "riverton-council", title: "Air quality", description: "Hourly readings",
            licence: "CC-BY-4.0", tags: ["air", "health"], themes: ["envi"],
            temporal: .init(start: "2025-01-01", end: "2025-12-31"), updateFrequency: "hourly",
            contactPoint: .init(name: "Data team", email: "data@riverton.example"), landingPage: "https://riverton.example/air",
            distributions: [.init(title: "Readings", url: "https://riverton.example/air.csv", mediaType: "text/csv")])
    }
}

func problemKind(_ body: () async throws -> Void) async -> Problem.Kind? {
    do {
        try await body()
        return nil
    } catch let problem as Problem {
        return problem.kind
    } catch {
        return nil
    }
}
