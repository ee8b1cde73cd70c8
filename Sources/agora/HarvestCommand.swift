import AgoraCatalog
import AgoraCore
import AgoraFederation
import AgoraPeople
import AgoraStore
import ArgumentParser
import Foundation

struct HarvestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "harvest", abstract: "Copy datasets from other portals (CKAN or DCAT) on a schedule.",
        discussion: """
            `agora serve` harvests every source each --harvest-every minutes; `agora harvest run` harvests now. \
            Harvested datasets are read-only copies that name their source.
            """,
        subcommands: [Add.self, List.self, Run.self])

    enum Kind: String, ExpressibleByArgument, CaseIterable { case ckan, dcat }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a source: a CKAN site's address, or a DCAT catalogue's (e.g. https://hub/catalog.jsonld).")

        @Argument(help: "ckan or dcat.") var kind: Kind
        @Argument(help: "The source's address.") var url: String
        @Option(help: "File the copies under this publisher (default: one named after the source's host, made if needed).")
        var publisher: String?
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await withHarvester(store) { harvester, admin in
                let source = try await harvester.addSource(
                    kind: kind == .ckan ? .ckan : .dcat, url: url, publisher: publisher, by: admin)
                print("Added \(source.kind.rawValue) source \(source.url), filed under \(source.publisher).")
                print(source.id)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the sources and how their last runs went.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await withHarvester(store) { harvester, _ in
                for source in try await harvester.sources() {
                    let last = source.lastRun.map(HarvestCommand.summary) ?? "not run yet"
                    print("\(source.id)  \(source.kind.rawValue)  \(source.url)  → \(source.publisher)  \(last)")
                }
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Harvest now: one source (by id or address), or all. Exits non-zero when a run fails.")
        @Argument(help: "A source's id or address (default: every source).") var source: String?
        @OptionGroup var store: StoreOptions

        func run() async throws {
            var failed = false
            try await withHarvester(store) { harvester, admin in
                let runs =
                    if let source {
                        [try await harvester.run(try await harvester.source(source), by: admin)]
                    } else {
                        try await harvester.runAll(by: admin)
                    }
                for run in runs {
                    print(HarvestCommand.summary(run))
                    for skipped in run.skipped.prefix(20) { print("  skipped \(skipped)") }
                    if run.status == .failed { failed = true }
                }
            }
            if failed { throw ExitCode.failure }
        }
    }

    static func summary(_ run: HarvestRun) -> String {
        let counts =
            "\(run.full ? "full" : "changes only"), \(run.pages) pages: \(run.created) created, \(run.updated) updated, "
            + "\(run.unchanged) unchanged, \(run.deleted) deleted, \(run.skipped.count) skipped"
        return run.status == .ok
            ? "ok (\(counts))" : "failed: \(run.error ?? "unknown error") (\(counts))"
    }
}

/// Opens the store and runs `body` with a harvester acting as the site admin.
func withHarvester(_ options: StoreOptions, _ body: (HarvestService, Identity) async throws -> Void) async throws {
    let (backend, _) = try await options.openStore()
    do {
        let catalog = CatalogService(store: backend)
        let admin = Identity(account: try await AccountService(store: backend).ensureSiteAdmin(), memberships: [])
        try await body(HarvestService(store: backend, catalog: catalog), admin)
        try await backend.close()
    } catch {
        try? await backend.close()
        if error is ExitCode { throw error }
        throw fail(error)
    }
}
