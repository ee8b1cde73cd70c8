import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Copies datasets from other portals: CKAN sites through `package_search` (oldest change first, only
/// what changed since the last good run once there has been one) and DCAT catalogues by following
/// their hydra `next` links. Copies are read-only and name their source; datasets gone from the
/// source are removed after a complete run. A bad page (HTML, invalid JSON, an error answer, a loop
/// of `next` links, more pages than the source has datasets) stops the run, records why, and
/// changes nothing that needs the whole picture: no deletions, and the next run is full.
public struct HarvestService: Sendable {
    public let store: any Store
    public let catalog: CatalogService
    let clock: any Clock
    let fetcher: PageFetcher

    public static let pageSize = 100
    public static let maxPages = 10_000

    public init(store: any Store, catalog: CatalogService, clock: any Clock = SystemClock(), timeout: Duration = .seconds(30)) {
        self.store = store
        self.catalog = catalog
        self.clock = clock
        self.fetcher = PageFetcher(timeout: timeout)
    }

    // MARK: Sources

    /// Adds a source. Copies are filed under `publisher`, or under a publisher named after the
    /// source's host, made if needed.
    public func addSource(kind: HarvestSource.Kind, url: String, publisher: String?, by actor: Identity) async throws -> HarvestSource {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), let host = parsed.host else {
            throw Problem.badRequest("A harvest source is an http(s) address; '\(url)' is not one.", field: "url")
        }
        let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
        if try await store.harvestSources().contains(where: { $0.url == trimmed && $0.kind == kind }) {
            throw Problem.conflict("'\(trimmed)' is already a \(kind.rawValue) harvest source.")
        }
        let slug: String
        if let publisher {
            slug = try await catalog.publisher(slug: publisher).slug
        } else {
            slug = Slug.make(from: "harvest \(host) \(parsed.port.map(String.init) ?? "")")
            if try await store.publisher(slug: slug) == nil {
                _ = try await catalog.createPublisher(
                    PublisherInput(
                        slug: slug, title: "Harvested from \(host)", description: "Datasets copied from \(trimmed) (\(kind.rawValue))."),
                    by: actor)
            }
        }
        let now = Timestamp.truncated(clock.now())
        let source = HarvestSource(id: UUIDv7.string(at: now), kind: kind, url: trimmed, publisher: slug, created: now)
        try await store.saveHarvestSource(source)
        return source
    }

    public func sources() async throws -> [HarvestSource] { try await store.harvestSources() }

    public func source(_ idOrURL: String) async throws -> HarvestSource {
        guard let found = try await store.harvestSources().first(where: { $0.id == idOrURL || $0.url == idOrURL }) else {
            throw Problem.notFound("Harvest source '\(idOrURL)'")
        }
        return found
    }

    /// Runs every source once, one after another; a source another server is harvesting is left to it.
    public func runAll(by actor: Identity) async throws -> [HarvestRun] {
        var runs: [HarvestRun] = []
        for source in try await store.harvestSources() {
            do {
                runs.append(try await run(source, by: actor))
            } catch let problem as Problem where problem.kind == .conflict {
                continue
            }
        }
        return runs
    }

    /// How long a run may hold its source before another server may take it over.
    public static let lease: TimeInterval = 3600

    // MARK: Running

    public func run(_ source: HarvestSource, by actor: Identity) async throws -> HarvestRun {
        let started = Timestamp.truncated(clock.now())
        guard try await store.claimHarvestSource(id: source.id, now: started, until: started.addingTimeInterval(Self.lease)) else {
            throw Problem.conflict("Source \(source.url) is being harvested by another run; try again when it ends.")
        }
        do {
            let run = try await runClaimed(try await self.source(source.id), started: started, by: actor)
            try await store.releaseHarvestSource(id: source.id)
            return run
        } catch {
            try? await store.releaseHarvestSource(id: source.id)
            throw error
        }
    }

    private func runClaimed(_ source: HarvestSource, started: Date, by actor: Identity) async throws -> HarvestRun {
        var run = HarvestRun(id: UUIDv7.string(at: started), sourceID: source.id, started: started, full: true)
        do {
            switch source.kind {
            case .ckan: try await harvestCKAN(source, run: &run, by: actor)
            case .dcat: try await harvestDCAT(source, run: &run, by: actor)
            }
        } catch {
            run.status = .failed
            run.error = (error as? Problem)?.detail ?? String(describing: error)
        }
        run.finished = Timestamp.truncated(clock.now())
        var updated = source
        updated.lastRun = run
        updated.lastGoodRunStarted = run.status == .ok ? started : nil
        try await store.addHarvestRun(run)
        try await store.saveHarvestSource(updated)
        return run
    }

    /// Saves one copy, counting what happened; a dataset that cannot be copied is skipped with why.
    private func save(_ input: DatasetInput, origin: HarvestOrigin, name: String, run: inout HarvestRun, by actor: Identity) async {
        do {
            switch try await catalog.saveHarvested(input, origin: origin, by: actor) {
            case .created: run.created += 1
            case .updated: run.updated += 1
            case .unchanged: run.unchanged += 1
            }
        } catch {
            run.skipped.append("\(name): \((error as? Problem)?.detail ?? String(describing: error))")
        }
    }

    /// Removes this source's copies whose originals are no longer at the source.
    private func removeGone(
        _ source: HarvestSource, run: inout HarvestRun, by actor: Identity, stillThere: (Dataset, HarvestOrigin) -> Bool
    ) async throws {
        let copies = try await catalog.search(DatasetQuery(publisher: source.publisher, sort: .created, limit: 1_000_000, facetLimit: 0))
        for document in copies.documents {
            let dataset = try AgoraJSON.decode(Dataset.self, from: document)
            guard let origin = dataset.harvestedFrom, origin.source == source.id, !stillThere(dataset, origin) else { continue }
            try await catalog.removeHarvested(slug: dataset.slug, by: actor)
            run.deleted += 1
        }
    }

    private func harvestCKAN(_ source: HarvestSource, run: inout HarvestRun, by actor: Identity) async throws {
        let api = source.url + "/api/3/action/"
        var filter: String?
        if let since = source.lastGoodRunStarted {
            // A second's overlap: a change made as the last run started is fetched again, never missed.
            filter = "metadata_modified:[\(Timestamp.string(since.addingTimeInterval(-1))) TO *]"
            run.full = false
        }
        var start = 0
        var seenFirst: Set<String> = []
        var expectedPages: Int?
        while true {
            var parameters = ["rows": String(Self.pageSize), "start": String(start), "sort": "metadata_modified asc"]
            if let filter { parameters["fq"] = filter }
            let address = api + "package_search?" + Self.query(parameters)
            let result = try await ckanResult(address)
            guard let object = result as? [String: Any], let count = object["count"] as? Int, let results = object["results"] as? [Any]
            else { throw Problem(.invalidFile, "\(address) is not a package_search answer (no count and results).") }
            run.pages += 1
            let limit = expectedPages ?? min(Self.maxPages, count / Self.pageSize + 2)
            expectedPages = limit
            guard run.pages <= limit else {
                throw Problem(.invalidFile, "\(address): more pages than the \(count) datasets it reports need; stopped.")
            }
            if results.isEmpty { break }
            let packages = results.compactMap { $0 as? [String: Any] }
            if let first = packages.first?["id"] as? String, !seenFirst.insert(first).inserted {
                throw Problem(.invalidFile, "\(address) repeats a page already read; stopped.")
            }
            for package in packages {
                guard let name = package["name"] as? String, let id = package["id"] as? String else {
                    run.skipped.append("a dataset without a name or id on \(address)")
                    continue
                }
                var present = Set<String>()
                var input = CKAN.datasetInput(package, present: &present)
                input.publisher = source.publisher
                input.slug = name
                if let licence = input.licence, catalog.licences.licence(licence) == nil { input.licence = nil }
                input.distributions = input.distributions?.map {
                    var item = $0
                    item.id = nil
                    return item
                }
                let origin = HarvestOrigin(source: source.id, sourceURL: source.url, url: source.url + "/dataset/" + name, remoteID: id)
                await save(input, origin: origin, name: name, run: &run, by: actor)
            }
            start += packages.count
            if start >= count { break }
        }
        // Deletions need the whole list of what the source holds: package_list, page by page.
        var names: [String] = []
        let listPage = 10_000
        while true {
            let address = api + "package_list?limit=\(listPage)&offset=\(names.count)"
            guard let page = try await ckanResult(address) as? [String] else {
                throw Problem(.invalidFile, "\(address) is not a list of dataset names.")
            }
            names += page
            if page.count < listPage { break }
            guard names.count <= Self.maxPages * Self.pageSize else {
                throw Problem(.invalidFile, "\(api)package_list lists more names than this harvester reads; stopped.")
            }
        }
        let present = Set(names)
        try await removeGone(source, run: &run, by: actor) { dataset, _ in present.contains(dataset.slug) }
    }

    private func harvestDCAT(_ source: HarvestSource, run: inout HarvestRun, by actor: Identity) async throws {
        var next: String? = source.url
        var visited: Set<String> = []
        var seen: Set<String> = []
        while let address = next {
            guard visited.insert(address).inserted else {
                throw Problem(.invalidFile, "The catalogue's next links loop back to \(address); stopped.")
            }
            guard run.pages < Self.maxPages else { throw Problem(.invalidFile, "More than \(Self.maxPages) pages; stopped at \(address).") }
            let data = try await fetcher.fetch(address, accept: "application/ld+json", expecting: "JSON-LD")
            let graph: RDFGraph
            do {
                graph = try JSONLDReader.read(data)
            } catch {
                throw Problem(.invalidFile, "\(address) is not valid JSON-LD.")
            }
            run.pages += 1
            for found in DCATMapping.datasets(in: graph, licences: catalog.licences) {
                guard seen.insert(found.iri).inserted else { continue }
                var input = found.input
                input.publisher = source.publisher
                guard input.slug?.isEmpty == false, input.title?.isEmpty == false else {
                    run.skipped.append("\(found.iri): no usable name or title")
                    continue
                }
                let origin = HarvestOrigin(source: source.id, sourceURL: source.url, url: found.iri, remoteID: found.iri)
                await save(input, origin: origin, name: found.iri, run: &run, by: actor)
            }
            next = DCATMapping.nextPage(in: graph).map { URL(string: $0, relativeTo: URL(string: address))?.absoluteString ?? $0 }
        }
        try await removeGone(source, run: &run, by: actor) { _, origin in seen.contains(origin.remoteID) }
    }

    /// A CKAN action's `result`, or a clear error naming the page.
    private func ckanResult(_ address: String) async throws -> Any {
        let data = try await fetcher.fetch(address, accept: "application/json", expecting: "CKAN JSON")
        guard let envelope = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Problem(.invalidFile, "\(address) did not answer with valid JSON.")
        }
        guard envelope["success"] as? Bool == true, let result = envelope["result"] else {
            let message = (envelope["error"] as? [String: Any])?["message"] as? String ?? "no result"
            throw Problem(.invalidFile, "\(address) answered with an error: \(message)")
        }
        return result
    }

    static func query(_ parameters: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return parameters.sorted { $0.key < $1.key }.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)"
        }.joined(separator: "&")
    }
}

/// Fetches one page of a source, refusing HTML, error statuses and pages over the size limit.
struct PageFetcher: Sendable {
    let timeout: Duration
    static let maxBytes = 64 << 20

    func fetch(_ address: String, accept: String, expecting: String) async throws -> Data {
        guard let url = URL(string: address) else { throw Problem(.invalidFile, "'\(address)' is not an address.") }
        var request = URLRequest(url: url, timeoutInterval: Double(timeout.components.seconds))
        request.setValue(accept, forHTTPHeaderField: "Accept")
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw Problem(.invalidFile, "\(address) could not be fetched: \(error.localizedDescription)")
        }
        let http = response as? HTTPURLResponse
        let status = http?.statusCode ?? 200
        guard (200..<300).contains(status) else { throw Problem(.invalidFile, "\(address) answered HTTP \(status).") }
        guard data.count <= Self.maxBytes else { throw Problem(.payloadTooLarge, "\(address) is larger than \(Self.maxBytes) bytes.") }
        let type = (http?.value(forHTTPHeaderField: "Content-Type") ?? "").lowercased()
        let start = data.prefix(512).drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if type.hasPrefix("text/html") || start.starts(with: Array("<!".utf8)) || start.starts(with: Array("<html".utf8)) {
            throw Problem(.invalidFile, "\(address) answered with an HTML page, not \(expecting).")
        }
        return data
    }
}
