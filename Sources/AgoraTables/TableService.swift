import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import Foundation
import NIOPosix
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Tables made from distributions: importing a file as a new version, and answering queries.
public struct TableService: Sendable {
    public let store: any Store
    public let catalog: CatalogService
    public let engine: any TableEngine
    public let blobs: BlobStore
    let clock: any Clock
    let cache = AnswerCache()
    /// Versions whose storage is kept: the one served and the ones before it, for readers mid-answer.
    static let retainedVersions = 3
    public static let maxDownloadBytes = 2 << 30

    public init(store: any Store, catalog: CatalogService, engine: any TableEngine, blobs: BlobStore, clock: any Clock) {
        self.store = store
        self.catalog = catalog
        self.engine = engine
        self.blobs = blobs
        self.clock = clock
    }

    // MARK: Reading

    public func table(id: String) async throws -> DataTable {
        guard id.count <= 64, let table = try await cache.table(id: id, store: store) else {
            throw Problem.notFound("Table '\(id)'")
        }
        return table
    }

    public func tables(datasetID: String) async throws -> [DataTable] { try await store.tables(datasetID: datasetID) }

    public func versions(tableID: String) async throws -> [TableVersion] {
        _ = try await table(id: tableID)
        return try await store.tableVersions(tableID: tableID)
    }

    /// The version a table serves; a table whose first import has not finished has none yet.
    public func servedVersion(_ table: DataTable) throws -> TableVersion {
        guard let version = table.current else {
            throw Problem(.notFound, "Table '\(table.id)' has no rows yet: its first import has not completed.")
        }
        return version
    }

    /// Streams the answer to `query` in its format; JSON pages carry `next` and, when asked, `total`.
    public func answer(
        _ query: TableQuery, version: TableVersion, emit: ([UInt8]) async throws -> Void
    ) async throws {
        let format = query.format ?? .json
        // Exports run to the end unless a size is given; pages of JSON default to 100 rows.
        let page: Int? = query.size ?? (query.format == nil ? TableQuery.defaultSize : nil)
        var compiler = QueryCompiler(dialect: engine.dialect, version: version, table: engine.tableName(storage: version.storage))
        var total: Int?
        if query.count {
            let key = "count \(version.storage) \(query.countKey)"
            if let cached = cache.count(key) {
                total = cached
            } else {
                let counted = try await engine.count(compiler.count(query), version: version)
                cache.put(count: counted, key: key)
                total = counted
            }
        }
        if query.isGrouped {
            // Grouping reads every matching row; its small answer is kept for the version's lifetime.
            let key = "groups \(version.storage) \(format) \(page ?? -1) \(query)"
            let body: [UInt8]
            let next: String?
            if let cached = cache.group(key) {
                (body, next) = cached
            } else {
                let compiled = compiler.groups(query, limit: page.map { $0 + 1 })
                var encoder = RowEncoder(format: format, columns: compiled.columns, geo: version.geo, distanceColumn: nil)
                encoder.begin()
                var collected: [UInt8] = []
                let more = try await engine.stream(compiled, version: version, encoder: &encoder, page: page) { collected += $0 }
                body = collected + encoder.out
                next = more != nil ? page.map { String(query.groupOffset + $0) } : nil
                cache.put(group: (body, next), key: key)
            }
            var closing = RowEncoder(format: format, columns: [], geo: nil, distanceColumn: nil)
            closing.end(next: next, total: total)
            return try await emit(body + closing.out)
        }
        let compiled = compiler.rows(query, limit: page.map { $0 + 1 })
        var encoder = RowEncoder(format: format, columns: compiled.columns, geo: version.geo, distanceColumn: compiled.distanceColumn)
        encoder.begin()
        let more = try await engine.stream(compiled, version: version, encoder: &encoder, page: page, emit: emit)
        encoder.end(next: more != nil && page != nil ? Cursor.encode(more!) : nil, total: total)
        try await emit(encoder.out)
    }

    // MARK: Importing

    /// Imports `path` as the next version of the table of distribution `distributionID`, making
    /// the table on first use. The old version keeps serving until the new one is complete.
    public func ingest(
        slug: String, distributionID: String, path: String, fileName: String, options: IngestOptions = IngestOptions(),
        by actor: Identity?, progress: @escaping @Sendable (LoadProgress) -> Void = { _ in }
    ) async throws -> (table: DataTable, version: TableVersion) {
        try await catalog.requireWritable(slug: slug, by: actor)
        let (dataset, distribution) = try await catalog.distribution(slug: slug, id: distributionID)
        let sample = try FileChunks.sample(path: path)
        guard let format = SourceFormat.detect(fileName: fileName, sample: sample) else {
            throw Problem(
                .invalidFile, "Only CSV (.csv, .tsv) and GeoJSON (.geojson) files become tables; '\(fileName)' is neither.")
        }
        var table = try await store.table(distributionID: distribution.id)
        if table == nil {
            let now = Timestamp.truncated(clock.now())
            let created = DataTable(
                id: UUIDv7.string(at: now), datasetID: dataset.id, datasetSlug: dataset.slug, distributionID: distribution.id,
                title: distribution.title, created: now, modified: now)
            try await store.apply(
                .createTable(created),
                change: ChangeDraft(
                    kind: "table", entityID: created.id, entitySlug: dataset.slug, op: "create",
                    contentHash: try ChangeDraft.contentHash(of: created), at: now, actor: actor?.account.name,
                    summary: "made a table of \(distribution.title)"))
            table = created
        }
        guard let table else { throw Problem(.internalError, "The table could not be made.") }
        let total = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let profile = try options.applyDeclaredTypes(
            to: try await NIOThreadPool.singleton.runIfActive {
                try TableSource.profile(path: path, format: format, options: options) { bytes in
                    progress(LoadProgress(phase: .reading, bytes: bytes, totalBytes: total))
                }
            })
        let reader = try TableSource.reader(path: path, profile: profile, options: options)
        let storage = try await engine.load(profile: profile, rows: RowSource(reader: reader, totalBytes: total), progress: progress)
        let now = Timestamp.truncated(clock.now())
        var version = TableVersion(
            tableID: table.id, version: 0, storage: storage, rowCount: profile.rowCount, columns: profile.columns, geo: profile.geo,
            sourceName: fileName, byteSize: profile.byteSize, checksum: profile.checksum, format: profile.format.rawValue,
            encoding: profile.encoding.rawValue, delimiter: profile.delimiter.map { String(UnicodeScalar($0)) },
            paddedRows: profile.paddedRows, truncatedRows: profile.truncatedRows, created: now)
        version.primaryKey = options.primaryKey
        do {
            version = try await store.publishTableVersion(
                version,
                change: ChangeDraft(
                    kind: "table", entityID: table.id, entitySlug: dataset.slug, op: "version",
                    contentHash: profile.checksum, at: now, actor: actor?.account.name,
                    summary: "loaded version {version} of \(table.title): \(profile.rowCount) rows"))
        } catch {
            try? await engine.drop(storage: storage)
            throw error
        }
        cache.forget(table: table.id)
        await retireOldVersions(tableID: table.id)
        var served = table
        served.current = version
        served.modified = now
        return (served, version)
    }

    /// Frees the storage of versions older than the few kept; their history entries stay.
    private func retireOldVersions(tableID: String) async {
        guard let versions = try? await store.tableVersions(tableID: tableID) else { return }
        for old in versions.dropFirst(Self.retainedVersions) { try? await engine.drop(storage: old.storage) }
    }

    /// Imports a distribution's own file: an upload from the blob store, or its URL fetched now.
    public func ingestDistribution(
        slug: String, distributionID: String, options: IngestOptions = IngestOptions(), by actor: Identity?
    ) async throws -> (table: DataTable, version: TableVersion) {
        try await catalog.requireWritable(slug: slug, by: actor)
        let (_, distribution) = try await catalog.distribution(slug: slug, id: distributionID)
        let fileName = distribution.fileName ?? URL(string: distribution.url)?.lastPathComponent ?? "data"
        if distribution.uploaded, let checksum = distribution.checksum, let url = blobs.url(for: checksum) {
            return try await ingest(
                slug: slug, distributionID: distributionID, path: url.path, fileName: fileName, options: options, by: actor)
        }
        let downloaded = try await download(distribution.url)
        defer { try? FileManager.default.removeItem(at: downloaded) }
        let name =
            SourceFormat.detect(fileName: fileName, sample: []) == nil && distribution.format?.uppercased() == "CSV"
            ? fileName + ".csv" : fileName
        return try await ingest(
            slug: slug, distributionID: distributionID, path: downloaded.path, fileName: name, options: options, by: actor)
    }

    private func download(_ address: String) async throws -> URL {
        guard let url = URL(string: address), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
            throw Problem.badRequest("The distribution's URL is not an http(s) address that can be fetched.", field: "url")
        }
        let (temp, response): (URL, URLResponse)
        do {
            (temp, response) = try await URLSession.shared.download(from: url)
        } catch {
            throw Problem(.invalidFile, "The distribution's URL could not be fetched: \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 200
        guard (200..<300).contains(status) else {
            try? FileManager.default.removeItem(at: temp)
            throw Problem(.invalidFile, "Fetching the distribution's URL answered HTTP \(status).")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: temp.path)[.size] as? Int) ?? 0
        guard size <= Self.maxDownloadBytes else {
            try? FileManager.default.removeItem(at: temp)
            throw Problem(.payloadTooLarge, "The file at the distribution's URL is larger than \(Self.maxDownloadBytes) bytes.")
        }
        return temp
    }
}

extension TableQuery {
    /// What a count depends on: filters, text and places, not paging or order.
    var countKey: String { "\(filters) \(text) \(String(describing: near)) \(String(describing: bbox)) \(group)" }
}

/// Remembers decoded tables, row counts and grouped answers. Versions never change, so an answer for
/// one stays right until a new one is served. Which version a table serves is checked against the
/// store at most once a second (at once after an import through this service), so a version
/// published by another process is served within a second.
final class AnswerCache: Sendable {
    private let tables = Mutex<[String: (table: DataTable, checked: ContinuousClock.Instant)]>([:])
    static let recheckAfter = Duration.seconds(1)
    private let counts = Mutex<[String: Int]>([:])
    private let groups = Mutex<[String: (body: [UInt8], next: String?)]>([:])
    static let limit = 512

    func table(id: String, store: any Store) async throws -> DataTable? {
        let now = ContinuousClock.now
        let cached = tables.withLock { $0[id] }
        if let cached, now - cached.checked < Self.recheckAfter { return cached.table }
        guard let current = try await store.currentTableVersion(id: id) else { return nil }
        var table = cached?.table
        if table == nil || (table?.current?.version ?? 0) != current {
            table = try await store.table(id: id)
        }
        guard let table else { return nil }
        tables.withLock {
            if $0.count >= Self.limit { $0.removeAll() }
            $0[id] = (table, now)
        }
        return table
    }

    func forget(table id: String) { _ = tables.withLock { $0.removeValue(forKey: id) } }

    func count(_ key: String) -> Int? { counts.withLock { $0[key] } }

    func put(count: Int, key: String) {
        counts.withLock {
            if $0.count >= Self.limit { $0.removeAll() }
            $0[key] = count
        }
    }

    func group(_ key: String) -> (body: [UInt8], next: String?)? { groups.withLock { $0[key] } }

    func put(group: (body: [UInt8], next: String?), key: String) {
        groups.withLock {
            if $0.count >= Self.limit { $0.removeAll() }
            $0[key] = group
        }
    }
}
