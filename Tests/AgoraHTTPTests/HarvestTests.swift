import AgoraCatalog
import AgoraCore
import AgoraFederation
import AgoraHTTP
import AgoraPeople
import AgoraStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// One hub (the demo city, served live) harvested by another (empty) through each protocol.
@Suite("Harvesting")
struct HarvestTests {
    struct Mirror {
        let hub: HubFixture
        let harvester: HarvestService
        let admin: Identity
        init() async throws {
            hub = try await HubFixture(demo: false)
            harvester = HarvestService(store: hub.services.store, catalog: hub.services.catalog, timeout: .seconds(10))
            admin = Identity(account: try await hub.services.accounts.ensureSiteAdmin(), memberships: [])
        }
        func copies(_ publisher: String) async throws -> [Dataset] {
            try await hub.services.catalog.search(DatasetQuery(publisher: publisher, sort: .title, limit: 1000)).documents.map {
                try AgoraJSON.decode(Dataset.self, from: $0)
            }
        }
    }

    static func serve(_ source: HubFixture, _ body: @escaping @Sendable (String) async throws -> Void) async throws {
        try await source.app.test(.live) { client in try await body("http://127.0.0.1:\(try #require(client.port))") }
    }

    @Test("CKAN: a full first run, then only changes; edits and deletions at the source reach the copies, which are read-only")
    func ckan() async throws {
        let source = try await HubFixture()
        let mirror = try await Mirror()
        try await Self.serve(source) { url in
            let added = try await mirror.harvester.addSource(kind: .ckan, url: url + "/", publisher: nil, by: mirror.admin)
            #expect(added.url == url)
            let first = try await mirror.harvester.run(added, by: mirror.admin)
            #expect(first.status == .ok && first.full && first.created == 12, "\(first)")
            var copies = try await mirror.copies(added.publisher)
            #expect(copies.count == 12)
            let bus = try #require(copies.first { $0.slug == "bus-stops" })
            #expect(bus.harvestedFrom?.source == added.id && bus.harvestedFrom?.url == url + "/dataset/bus-stops")
            #expect(bus.licence == "OGL-UK-3.0" && !bus.distributions.isEmpty)
            await #expect(throws: Problem.self) {
                _ = try await mirror.hub.services.catalog.patchDataset(
                    slug: "bus-stops", DatasetInput(title: "Mine"), presentFields: ["title"], by: mirror.admin)
            }

            let sourceAdmin = Identity(account: try await source.services.accounts.ensureSiteAdmin(), memberships: [])
            try await Task.sleep(for: .milliseconds(1100))
            _ = try await source.services.catalog.patchDataset(
                slug: "bus-stops", DatasetInput(title: "Bus stops and shelters"), presentFields: ["title"], by: sourceAdmin)
            try await source.services.catalog.deleteDataset(slug: "street-trees", by: sourceAdmin)
            let again = try await mirror.harvester.run(try await mirror.harvester.source(added.id), by: mirror.admin)
            #expect(again.status == .ok && !again.full && again.updated == 1 && again.deleted == 1 && again.created == 0, "\(again)")
            copies = try await mirror.copies(added.publisher)
            #expect(copies.count == 11)
            #expect(copies.first { $0.slug == "bus-stops" }?.title == "Bus stops and shelters")
            #expect(try await mirror.hub.services.store.harvestRuns(sourceID: added.id, limit: 10).count == 2)
            try await mirror.hub.app.test(.router) { client in
                let page = try await client.send(.get, "/dataset/bus-stops")
                #expect(page.body.contains("Harvested from") && page.body.contains(url + "/dataset/bus-stops"))
                let package = try await client.send(.get, "/api/3/action/package_show?id=bus-stops")
                let extras = (package.json["result"] as? [String: Any])?["extras"] as? [[String: String]] ?? []
                #expect(extras.contains { $0["key"] == "harvest_url" && $0["value"] == url + "/dataset/bus-stops" })
                let sources = try await client.send(.get, "/api/v1/harvest-sources")
                let listed = try #require((sources.json["results"] as? [[String: Any]])?.first)
                #expect(listed["url"] as? String == url && (listed["last_run"] as? [String: Any])?["updated"] as? Int == 1)
                let runs = try await client.send(.get, "/api/v1/harvest-sources/\(added.id)/runs?limit=5")
                #expect((runs.json["results"] as? [[String: Any]])?.map { $0["full"] as? Bool } == [false, true])
                #expect(try await client.send(.get, "/api/v1/harvest-sources/nope/runs").status == .notFound)
            }
        }
    }

    @Test("DCAT: hydra pages are followed to the end; changes and deletions arrive")
    func dcat() async throws {
        let source = try await HubFixture()
        let sourceAdmin = Identity(account: try await source.services.accounts.ensureSiteAdmin(), memberships: [])
        for i in 0..<95 {
            _ = try await source.services.catalog.createDataset(
                DatasetInput(slug: "extra-\(i)", publisher: "riverton-council", title: "Extra \(i)", tags: ["extra"]), by: sourceAdmin)
        }
        let mirror = try await Mirror()
        try await Self.serve(source) { url in
            let added = try await mirror.harvester.addSource(kind: .dcat, url: url + "/catalog.jsonld", publisher: nil, by: mirror.admin)
            let first = try await mirror.harvester.run(added, by: mirror.admin)
            #expect(first.status == .ok && first.pages == 2 && first.created == 107, "\(first)")
            let copies = try await mirror.copies(added.publisher)
            let bus = try #require(copies.first { $0.slug == "bus-stops" })
            #expect(bus.themes == ["TRAN"] && bus.tags.contains("bus") && bus.licence == "OGL-UK-3.0")
            #expect(bus.distributions.first?.url.hasPrefix(url) == true)
            #expect(bus.updateFrequency == "weekly")
            try await source.services.catalog.deleteDataset(slug: "extra-3", by: sourceAdmin)
            let again = try await mirror.harvester.run(try await mirror.harvester.source(added.id), by: mirror.admin)
            #expect(again.status == .ok && again.deleted == 1 && again.unchanged == 106, "\(again)")
        }
    }

    @Test("bad sources stop the run with a clear record: HTML, invalid JSON, looping next links")
    func badSources() async throws {
        let router = Router()
        router.get("/html/api/3/action/package_search") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: .init(string: "<html>Down</html>")))
        }
        router.get("/broken/api/3/action/package_search") { _, _ in #"{"success": true, "result": {"count": 1, "results": ["# }
        router.get("/loop/{page}") { _, context in
            let page = try context.parameters.require("page")
            let next = page == "a.jsonld" ? "b.jsonld" : "a.jsonld"
            return
                #"{"@graph": [{"@id": "p", "@type": "http://www.w3.org/ns/hydra/core#PartialCollectionView", "http://www.w3.org/ns/hydra/core#next": {"@id": "\#(next)"}}]}"#
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let mirror = try await Mirror()
        try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            for (kind, path, message) in [
                (HarvestSource.Kind.ckan, "/html", "answered with an HTML page"), (.ckan, "/broken", "did not answer with valid JSON"),
                (.dcat, "/loop/a.jsonld", "next links loop back"),
            ] {
                let added = try await mirror.harvester.addSource(kind: kind, url: base + path, publisher: nil, by: mirror.admin)
                let run = try await mirror.harvester.run(added, by: mirror.admin)
                #expect(run.status == .failed && run.error?.contains(message) == true, "\(run)")
                let saved = try await mirror.harvester.source(added.id)
                #expect(saved.lastRun == run && saved.lastGoodRunStarted == nil)
            }
            await #expect(throws: Problem.self) {
                _ = try await mirror.harvester.addSource(kind: .ckan, url: "ftp://nowhere", publisher: nil, by: mirror.admin)
            }
            // A source another server holds is not harvested twice at once.
            let held = try await mirror.harvester.addSource(kind: .ckan, url: base + "/held", publisher: nil, by: mirror.admin)
            #expect(try await mirror.hub.services.store.claimHarvestSource(id: held.id, now: Date(), until: Date().addingTimeInterval(60)))
            await #expect(throws: Problem.self) { _ = try await mirror.harvester.run(held, by: mirror.admin) }
            #expect(try await mirror.harvester.runAll(by: mirror.admin).count == 3)
        }
    }
}
