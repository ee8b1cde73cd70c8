import AgoraCore
import AgoraStore
import Foundation
import Testing

@Suite("Store conformance")
struct StoreConformanceTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    static func publisher(_ slug: String, title: String) -> Publisher {
        Publisher(id: UUIDv7.string(), slug: slug, title: title, created: t0, modified: t0)
    }

    static func dataset(
        _ slug: String, publisher: String = "council", title: String, description: String = "", tags: [String] = [],
        themes: [String] = [], licence: String? = "CC-BY-4.0", isOpen: Bool = true, formats: [String] = ["CSV"],
        modified: Date = t0
    ) -> Dataset {
        Dataset(
            id: UUIDv7.string(), slug: slug, publisher: publisher, title: title, description: description, licence: licence,
            isOpen: isOpen, tags: tags, themes: themes, formats: formats, created: modified, modified: modified)
    }

    static func change(for d: Dataset, op: String = "create") throws -> ChangeDraft {
        ChangeDraft(
            kind: "dataset", entityID: d.id, entitySlug: d.slug, op: op, contentHash: try ChangeDraft.contentHash(of: d),
            at: d.modified, actor: "tester", summary: op)
    }

    static func change(for p: Publisher) throws -> ChangeDraft {
        ChangeDraft(
            kind: "publisher", entityID: p.id, entitySlug: p.slug, op: "create", contentHash: try ChangeDraft.contentHash(of: p),
            at: p.modified, actor: "tester", summary: "created")
    }

    /// A small catalogue: two publishers, five datasets.
    static func seed(_ store: any Store) async throws -> [Dataset] {
        for p in [publisher("council", title: "Riverton Council"), publisher("rail", title: "Riverton Rail")] {
            try await store.apply(.createPublisher(p), change: try change(for: p))
        }
        let datasets = [
            dataset(
                "air-quality", title: "Air quality readings", description: "Nitrogen dioxide sensors", tags: ["air", "health"],
                themes: ["ENVI"], modified: t0.addingTimeInterval(10)),
            dataset(
                "bus-stops", title: "Bus stops", description: "Every stop in the city", tags: ["bus", "transport"], themes: ["TRAN"],
                formats: ["CSV", "GeoJSON"], modified: t0.addingTimeInterval(20)),
            dataset(
                "train-times", publisher: "rail", title: "Train times", description: "Timetables for the trains",
                tags: ["rail", "transport"], themes: ["TRAN"], licence: "CC-BY-NC-4.0", isOpen: false, modified: t0.addingTimeInterval(30)),
            dataset(
                "stations", publisher: "rail", title: "Stations", description: "Station locations and step-free access", tags: ["rail"],
                themes: ["TRAN"], modified: t0.addingTimeInterval(40)),
            dataset(
                "noticeboard", title: "Noticeboard", description: "Community notices about air shows", licence: nil, isOpen: false,
                formats: [], modified: t0.addingTimeInterval(50)),
        ]
        for d in datasets { try await store.apply(.createDataset(d), change: try change(for: d)) }
        return datasets
    }

    static func slugs(_ result: DatasetSearchResult) throws -> [String] {
        try result.documents.map { try AgoraJSON.decode(Dataset.self, from: $0).slug }
    }

    @Test("publishers and datasets round-trip", arguments: Backend.available)
    func roundTrip(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let datasets = try await Self.seed(store)
        #expect(try await store.publishers().map(\.slug) == ["council", "rail"])
        #expect(try await store.publisher(slug: "rail")?.title == "Riverton Rail")
        #expect(try await store.publisher(slug: "missing") == nil)
        #expect(try await store.publisherTitles() == ["council": "Riverton Council", "rail": "Riverton Rail"])
        #expect(try await store.dataset(slug: "bus-stops") == datasets[1])
        #expect(try await store.dataset(slug: "missing") == nil)
        #expect(try await store.dataset(id: datasets[1].id) == datasets[1])
        #expect(try await store.dataset(id: "missing") == nil)
        #expect(try await store.datasetCounts() == ["council": 3, "rail": 2])
        let slugs = datasets.filter { $0.state == .active }.map(\.slug).sorted()
        #expect(try await store.datasetSlugs(offset: 0, limit: 100) == slugs)
        #expect(try await store.datasetSlugs(offset: 1, limit: 2) == Array(slugs[1...2]))
        try await store.close()
    }

    @Test("a dataset is found by any of its distributions' ids, following updates", arguments: Backend.available)
    func byDistribution(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        var dataset = try await Self.seed(store)[1]
        func file(_ name: String) -> Distribution {
            Distribution(id: UUIDv7.string(), title: name, url: "https://data.example/\(name).csv", created: Self.t0, modified: Self.t0)
        }
        let (first, second, third) = (file("a"), file("b"), file("c"))
        dataset.distributions = [first, second]
        try await store.apply(.updateDataset(dataset), change: try Self.change(for: dataset, op: "update"))
        #expect(try await store.dataset(distributionID: first.id)?.id == dataset.id)
        #expect(try await store.dataset(distributionID: second.id)?.distributions == [first, second])
        dataset.distributions = [second, third]
        try await store.apply(.updateDataset(dataset), change: try Self.change(for: dataset, op: "update"))
        #expect(try await store.dataset(distributionID: first.id) == nil)
        #expect(try await store.dataset(distributionID: third.id)?.id == dataset.id)
        #expect(try await store.dataset(distributionID: "missing") == nil)
        try await store.close()
    }

    @Test("a duplicate slug is a conflict and writes nothing", arguments: Backend.available)
    func duplicateSlug(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        _ = try await Self.seed(store)
        let head = try await store.headSeq()
        let again = Self.dataset("bus-stops", title: "Another bus stops")
        await #expect(throws: Problem.self) { try await store.apply(.createDataset(again), change: try Self.change(for: again)) }
        let twin = Self.publisher("rail", title: "Rail again")
        await #expect(throws: Problem.self) { try await store.apply(.createPublisher(twin), change: try Self.change(for: twin)) }
        #expect(try await store.headSeq() == head)
        #expect(try await store.dataset(slug: "bus-stops")?.title == "Bus stops")
        let hits = try await store.searchDatasets(DatasetQuery(text: "another"))
        #expect(hits.total == 0)
        try await store.close()
    }

    @Test("full-text search matches title, description, tags and publisher name", arguments: Backend.available)
    func fullText(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        _ = try await Self.seed(store)
        #expect(Set(try Self.slugs(try await store.searchDatasets(DatasetQuery(text: "air")))) == ["air-quality", "noticeboard"])
        // Title matches rank above description matches.
        #expect(try Self.slugs(try await store.searchDatasets(DatasetQuery(text: "air"))).first == "air-quality")
        #expect(try Self.slugs(try await store.searchDatasets(DatasetQuery(text: "timetables"))) == ["train-times"])
        #expect(try Self.slugs(try await store.searchDatasets(DatasetQuery(text: "health"))) == ["air-quality"])
        #expect(Set(try Self.slugs(try await store.searchDatasets(DatasetQuery(text: "Riverton Rail")))) == ["train-times", "stations"])
        // Stemming: "trains" finds "train".
        #expect(try Self.slugs(try await store.searchDatasets(DatasetQuery(text: "trains"))).contains("train-times"))
        // Every word must match.
        #expect(try Self.slugs(try await store.searchDatasets(DatasetQuery(text: "bus health"))).isEmpty)
        // Query syntax characters are plain text, never an error.
        let odd = try await store.searchDatasets(DatasetQuery(text: "\"air\" OR (bus* NEAR:x) -stops ' ; DROP TABLE dataset"))
        #expect(odd.total >= 0)
        #expect(try await store.dataset(slug: "bus-stops") != nil)
        try await store.close()
    }

    @Test("facets count the whole match, filters narrow it", arguments: Backend.available)
    func facetsAndFilters(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        _ = try await Self.seed(store)
        let all = try await store.searchDatasets(DatasetQuery(limit: 2))
        #expect(all.total == 5)
        #expect(all.documents.count == 2)
        #expect(all.facets[.publisher] == [FacetValue(value: "council", count: 3), FacetValue(value: "rail", count: 2)])
        #expect(all.facets[.theme]?.first == FacetValue(value: "TRAN", count: 3))
        #expect(all.facets[.open] == [FacetValue(value: "true", count: 3), FacetValue(value: "false", count: 2)])
        #expect(all.facets[.format]?.contains(FacetValue(value: "GeoJSON", count: 1)) == true)
        #expect(all.facets[.licence]?.contains(FacetValue(value: "notspecified", count: 1)) == true)

        let transport = try await store.searchDatasets(DatasetQuery(tags: ["transport"]))
        #expect(Set(try Self.slugs(transport)) == ["bus-stops", "train-times"])
        let railTransport = try await store.searchDatasets(DatasetQuery(publisher: "rail", tags: ["transport"]))
        #expect(try Self.slugs(railTransport) == ["train-times"])
        #expect(
            try Self.slugs(try await store.searchDatasets(DatasetQuery(isOpen: false, sort: .title))) == ["noticeboard", "train-times"])
        #expect(try Self.slugs(try await store.searchDatasets(DatasetQuery(licence: "notspecified"))) == ["noticeboard"])
        #expect(try Self.slugs(try await store.searchDatasets(DatasetQuery(format: "GeoJSON"))) == ["bus-stops"])
        #expect(try await store.searchDatasets(DatasetQuery(themes: ["TRAN"])).total == 3)
        // A tag is matched whole, not as a substring of another tag.
        #expect(try await store.searchDatasets(DatasetQuery(tags: ["rai"])).total == 0)
        let since = try await store.searchDatasets(DatasetQuery(modifiedSince: Self.t0.addingTimeInterval(35)))
        #expect(Set(try Self.slugs(since)) == ["stations", "noticeboard"])
        try await store.close()
    }

    @Test("a write is seen by the very next search, counts included", arguments: Backend.available)
    func searchSeesWrites(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        _ = try await Self.seed(store)
        for query in [DatasetQuery(text: "transport"), DatasetQuery(tags: ["transport"]), DatasetQuery()] {
            let before = try await store.searchDatasets(query)
            #expect(try await store.searchDatasets(query).total == before.total)
            let d = Self.dataset("more-\(before.total)-\(query.text ?? "x")", title: "More transport", tags: ["transport"])
            try await store.apply(.createDataset(d), change: try Self.change(for: d))
            let after = try await store.searchDatasets(query)
            #expect(after.total == before.total + 1)
            #expect(
                after.facets[.publisher]?.first { $0.value == "council" }?.count
                    == (before.facets[.publisher]?.first { $0.value == "council" }?.count ?? 0) + 1)
        }
        try await store.close()
    }

    @Test("text search pages the same matches in the same order, for every sort", arguments: Backend.available)
    func textPaging(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        _ = try await Self.seed(store)
        for sort in DatasetSort.allCases {
            let whole = try Self.slugs(try await store.searchDatasets(DatasetQuery(text: "riverton", sort: sort, limit: 10)))
            #expect(Set(whole) == ["air-quality", "bus-stops", "train-times", "stations", "noticeboard"], "\(sort)")
            var paged: [String] = []
            for page in 0..<3 {
                paged += try Self.slugs(
                    try await store.searchDatasets(DatasetQuery(text: "riverton", sort: sort, offset: page * 2, limit: 2)))
            }
            #expect(paged == whole, "\(sort)")
        }
        let byTitle = try Self.slugs(try await store.searchDatasets(DatasetQuery(text: "riverton", sort: .title)))
        #expect(byTitle == ["air-quality", "bus-stops", "noticeboard", "stations", "train-times"])
        let newest = try Self.slugs(try await store.searchDatasets(DatasetQuery(text: "riverton", sort: .modified)))
        #expect(newest == ["noticeboard", "stations", "train-times", "bus-stops", "air-quality"])
        try await store.close()
    }

    @Test("sorting and paging are stable", arguments: Backend.available)
    func sortAndPage(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        _ = try await Self.seed(store)
        let byTitle = try Self.slugs(try await store.searchDatasets(DatasetQuery(sort: .title)))
        #expect(byTitle == ["air-quality", "bus-stops", "noticeboard", "stations", "train-times"])
        let newest = try Self.slugs(try await store.searchDatasets(DatasetQuery(sort: .modified)))
        #expect(newest == ["noticeboard", "stations", "train-times", "bus-stops", "air-quality"])
        var paged: [String] = []
        for page in 0..<3 {
            paged += try Self.slugs(try await store.searchDatasets(DatasetQuery(sort: .title, offset: page * 2, limit: 2)))
        }
        #expect(paged == byTitle)
        try await store.close()
    }

    @Test("updates, soft deletes and renamed publishers reach the search index", arguments: Backend.available)
    func updatesReachIndex(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let datasets = try await Self.seed(store)
        var bus = datasets[1]
        bus.title = "Bus shelters"
        bus.tags = ["shelters"]
        bus.modified = Self.t0.addingTimeInterval(100)
        try await store.apply(.updateDataset(bus), change: try Self.change(for: bus, op: "update"))
        #expect(try await store.searchDatasets(DatasetQuery(text: "shelters")).total == 1)
        #expect(try await store.searchDatasets(DatasetQuery(tags: ["bus"])).total == 0)

        var stations = datasets[3]
        stations.state = .deleted
        try await store.apply(.updateDataset(stations), change: try Self.change(for: stations, op: "delete"))
        #expect(try await store.searchDatasets(DatasetQuery(text: "stations")).total == 0)
        #expect(try await store.dataset(slug: "stations")?.state == .deleted)
        #expect(try await store.datasetCounts()["rail"] == 1)

        var rail = try #require(try await store.publisher(slug: "rail"))
        rail.title = "Valley Trains"
        try await store.apply(.updatePublisher(rail), change: try Self.change(for: rail))
        #expect(try Self.slugs(try await store.searchDatasets(DatasetQuery(text: "valley"))) == ["train-times"])
        try await store.close()
    }

    @Test("the change log is a verifiable hash chain", arguments: Backend.available)
    func changeLogChain(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let datasets = try await Self.seed(store)
        let entries = try await store.changes(after: 0, limit: 100)
        #expect(entries.count == 7)
        #expect(entries.map(\.seq) == Array(1...7))
        #expect(entries.first?.prevHash == ChangeEntry.genesisHash)
        for (previous, entry) in zip(entries, entries.dropFirst()) {
            #expect(entry.prevHash == previous.hash)
        }
        #expect(entries.allSatisfy { $0.verifies })
        var tampered = entries[3]
        tampered.summary = "something else"
        #expect(!tampered.verifies)
        #expect(try await store.headSeq() == 7)
        #expect(try await store.changes(after: 5, limit: 1).map(\.seq) == [6])
        let history = try await store.history(entityID: datasets[0].id, limit: 10)
        #expect(history.map(\.entitySlug) == ["air-quality"])
        #expect(history.first?.contentHash == (try ChangeDraft.contentHash(of: datasets[0])))
        try await store.close()
    }

    @Test("concurrent writes keep the chain unbroken", arguments: Backend.available)
    func concurrentWrites(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        _ = try await Self.seed(store)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask {
                    let d = Self.dataset("parallel-\(i)", title: "Parallel \(i)")
                    try await store.apply(.createDataset(d), change: try Self.change(for: d))
                }
            }
            try await group.waitForAll()
        }
        let entries = try await store.changes(after: 0, limit: 1000)
        #expect(entries.count == 27)
        for (previous, entry) in zip(entries, entries.dropFirst()) {
            #expect(entry.prevHash == previous.hash && entry.seq == previous.seq + 1)
        }
        try await store.close()
    }

    @Test("harvest sources are saved and replaced; runs are kept newest first", arguments: Backend.available)
    func harvestSources(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        var source = HarvestSource(id: UUIDv7.string(), kind: .ckan, url: "https://portal.example", publisher: "council", created: Self.t0)
        try await store.saveHarvestSource(source)
        #expect(try await store.harvestSources() == [source])
        var runs: [HarvestRun] = []
        for i in 0..<3 {
            var run = HarvestRun(id: UUIDv7.string(), sourceID: source.id, started: Self.t0.addingTimeInterval(Double(i)), full: i == 0)
            run.created = i
            run.skipped = ["x: because"]
            try await store.addHarvestRun(run)
            runs.append(run)
        }
        source.lastRun = runs.last
        source.lastGoodRunStarted = Self.t0
        try await store.saveHarvestSource(source)
        #expect(try await store.harvestSources() == [source])
        #expect(try await store.harvestRuns(sourceID: source.id, limit: 2) == runs.reversed().prefix(2).map { $0 })
        #expect(try await store.harvestRuns(sourceID: "other", limit: 10).isEmpty)
        // One run at a time per source, across servers: a claim holds until released or expired.
        let hour = Self.t0.addingTimeInterval(3600)
        #expect(try await store.claimHarvestSource(id: source.id, now: Self.t0, until: hour))
        #expect(try await !store.claimHarvestSource(id: source.id, now: Self.t0.addingTimeInterval(60), until: hour))
        #expect(try await store.claimHarvestSource(id: source.id, now: hour.addingTimeInterval(1), until: hour.addingTimeInterval(3600)))
        try await store.releaseHarvestSource(id: source.id)
        #expect(try await store.claimHarvestSource(id: source.id, now: Self.t0, until: hour))
        #expect(try await !store.claimHarvestSource(id: "missing", now: Self.t0, until: hour))
        // Saving the source's record does not drop a claim.
        try await store.saveHarvestSource(source)
        #expect(try await !store.claimHarvestSource(id: source.id, now: Self.t0, until: hour))
    }

    @Test("accounts, tokens and memberships", arguments: Backend.available)
    func people(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        _ = try await Self.seed(store)
        let council = try #require(try await store.publisher(slug: "council"))
        let ana = Account(
            id: UUIDv7.string(), name: "ana", displayName: "Ana", email: "ana@example.org", isSiteAdmin: false, created: Self.t0)
        try await store.insertAccount(ana)
        await #expect(throws: Problem.self) {
            try await store.insertAccount(
                Account(id: UUIDv7.string(), name: "ana", displayName: "Other", isSiteAdmin: false, created: Self.t0))
        }
        #expect(try await store.account(name: "ana") == ana)
        #expect(try await store.account(id: ana.id) == ana)
        try await store.insertToken(
            APIToken(id: UUIDv7.string(), accountID: ana.id, tokenHash: SHA256Hex.of("secret"), label: "cli", created: Self.t0))
        #expect(try await store.account(tokenHash: SHA256Hex.of("secret")) == ana)
        #expect(try await store.account(tokenHash: SHA256Hex.of("wrong")) == nil)
        let tokens = try await store.tokens(accountID: ana.id)
        #expect(tokens.map(\.label) == ["cli"])
        #expect(try await !store.deleteToken(id: tokens[0].id, accountID: "someone-else"))
        #expect(try await store.deleteToken(id: tokens[0].id, accountID: ana.id))
        #expect(try await store.account(tokenHash: SHA256Hex.of("secret")) == nil)
        try await store.insertToken(
            APIToken(id: UUIDv7.string(), accountID: ana.id, tokenHash: SHA256Hex.of("secret2"), label: "cli", created: Self.t0))

        try await store.setMembership(Membership(publisherID: council.id, accountID: ana.id, role: .editor))
        try await store.setMembership(Membership(publisherID: council.id, accountID: ana.id, role: .admin))
        #expect(try await store.memberships(accountID: ana.id) == [Membership(publisherID: council.id, accountID: ana.id, role: .admin)])
        #expect(try await store.members(publisherID: council.id).count == 1)
        #expect(try await store.removeMembership(publisherID: council.id, accountID: ana.id))
        #expect(try await !store.removeMembership(publisherID: council.id, accountID: ana.id))
        #expect(try await store.memberships(accountID: ana.id).isEmpty)
        try await store.close()
    }
}
