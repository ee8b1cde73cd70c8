import AgoraCatalog
import AgoraCore
import AgoraFederation
import AgoraHTTP
import AgoraPeople
import AgoraStore
import AgoraTables
import ArgumentParser
import Foundation
import Hummingbird
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the hub: the API, the pages and the data.",
        discussion: """
            Flags win over environment variables (AGORA_HOST, AGORA_PORT, AGORA_DATA, AGORA_DATABASE_URL, \
            AGORA_MAX_BODY_BYTES, AGORA_MAX_UPLOAD_BYTES, AGORA_SITE_NAME), which win over the defaults.
            """)

    @Option(help: "Address to listen on (env AGORA_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (env AGORA_PORT; default 8080).")
    var port: Int?

    @OptionGroup var store: StoreOptions

    @Flag(help: "Load the demo city (publishers, datasets and small CSV files) when it is not there yet.")
    var demo = false

    @Option(help: "Largest JSON request body in bytes (env AGORA_MAX_BODY_BYTES; default 1 MiB).")
    var maxBodyBytes: Int?

    @Option(help: "Largest uploaded file in bytes (env AGORA_MAX_UPLOAD_BYTES; default 512 MiB).")
    var maxUploadBytes: Int?

    @Option(help: "Name shown on the pages (env AGORA_SITE_NAME; default Agora).")
    var siteName: String?

    @Option(
        help: """
            Harvest every source each this many minutes (env AGORA_HARVEST_EVERY; default 60; 0 turns it off). \
            Servers sharing a database take turns: a source is harvested by one run at a time.
            """)
    var harvestEvery: Int?

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        var config = AgoraConfiguration()
        config.host = host ?? env["AGORA_HOST"] ?? config.host
        config.port = port ?? env["AGORA_PORT"].flatMap(Int.init) ?? config.port
        config.dataDirectory = store.dataDirectory
        config.databaseURL = store.databaseURL
        config.maxBodyBytes = maxBodyBytes ?? env["AGORA_MAX_BODY_BYTES"].flatMap(Int.init) ?? config.maxBodyBytes
        config.maxUploadBytes = maxUploadBytes ?? env["AGORA_MAX_UPLOAD_BYTES"].flatMap(Int.init) ?? config.maxUploadBytes
        config.siteName = siteName ?? env["AGORA_SITE_NAME"] ?? config.siteName

        let (backend, blobs) = try await store.openStore()
        let engine = try TableEngines.make(for: backend, dataDirectory: URL(fileURLWithPath: store.dataDirectory, isDirectory: true))
        let services = AgoraServices(configuration: config, store: backend, blobs: blobs, tableEngine: engine)
        if demo {
            let loaded = try await DemoCity.load(catalog: services.catalog, accounts: services.accounts, blobs: services.blobs)
            let admin = Identity(account: try await services.accounts.ensureSiteAdmin(), memberships: [])
            let tabulated = try await services.tables.tabulateUploads(by: admin)
            for reason in tabulated.skipped { print("Not a table: \(reason)") }
            print(loaded ? "Loaded the demo city (\(tabulated.made) tables)." : "The demo city is already loaded.")
            fflush(nil)
        }
        let minutes = harvestEvery ?? env["AGORA_HARVEST_EVERY"].flatMap(Int.init) ?? 60
        let harvesting = minutes > 0 ? Self.harvestOnSchedule(services, every: .seconds(minutes * 60)) : nil
        defer { harvesting?.cancel() }
        let app = AgoraApp.buildApplication(services)
        print(
            "Agora is serving on http://\(config.host):\(config.port) (\(config.databaseURL == nil ? "SQLite in \(config.dataDirectory)" : "PostgreSQL"))"
        )
        fflush(nil)
        try await app.runService()
        try await backend.close()
    }

    /// Harvests every source now and then each `interval`; a failed run is recorded with its source.
    static func harvestOnSchedule(_ services: AgoraServices, every interval: Duration) -> Task<Void, Never> {
        Task.detached {
            let harvester = HarvestService(store: services.store, catalog: services.catalog)
            while !Task.isCancelled {
                if let admin = try? await services.accounts.ensureSiteAdmin(),
                    let sources = try? await harvester.sources(), !sources.isEmpty
                {
                    for run in (try? await harvester.runAll(by: Identity(account: admin, memberships: []))) ?? [] {
                        print("Harvest \(run.sourceID): \(HarvestCommand.summary(run))")
                    }
                    fflush(nil)
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
