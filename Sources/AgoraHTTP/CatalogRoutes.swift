import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import AgoraTables
import Foundation
import Hummingbird
import NIOCore

/// The native catalogue API under /api/v1: publishers, datasets, distributions, history, licences.
struct CatalogRoutes {
    let catalog: CatalogService
    let blobs: BlobStore
    let configuration: AgoraConfiguration
    let tables: TableService

    /// An uploaded distribution with what became of its table: CSV and GeoJSON files are imported
    /// at once; a file that cannot be a table is still published, with the reason.
    struct UploadView: Encodable {
        var distribution: Distribution
        var table: DataTable?
        var tableProblem: Problem?

        func encode(to encoder: any Encoder) throws {
            try distribution.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encodeIfPresent(table, forKey: .table)
            if let tableProblem {
                try container.encode(
                    ProblemView(type: tableProblem.kind.rawValue, detail: tableProblem.detail, errors: tableProblem.errors),
                    forKey: .tableProblem)
            }
        }
        enum Key: String, CodingKey {
            case table
            case tableProblem = "table_problem"
        }
        struct ProblemView: Encodable {
            var type: String
            var detail: String
            var errors: [Problem.FieldError]
        }
    }

    static let publisherSchema = KeySchema.object(
        Dictionary(uniqueKeysWithValues: PublisherInput.fields.map { ($0, KeySchema.value) }),
        readOnly: PublisherInput.readOnlyFields)
    static let distributionSchema = KeySchema.object(
        Dictionary(uniqueKeysWithValues: DistributionInput.fields.map { ($0, KeySchema.value) }),
        readOnly: DistributionInput.readOnlyFields)
    static let datasetSchema: KeySchema = {
        var fields = Dictionary(uniqueKeysWithValues: DatasetInput.fields.map { ($0, KeySchema.value) })
        fields["spatial"] = .object(["name": .value, "bbox": .value])
        fields["temporal"] = .object(["start": .value, "end": .value])
        fields["contact_point"] = .object(["name": .value, "email": .value])
        fields["distributions"] = .array(distributionSchema)
        return .object(fields, readOnly: DatasetInput.readOnlyFields)
    }()

    struct PublisherView: Encodable {
        var publisher: Publisher
        var datasetCount: Int
        func encode(to encoder: any Encoder) throws {
            try publisher.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(datasetCount, forKey: .datasetCount)
        }
        enum Key: String, CodingKey { case datasetCount = "dataset_count" }
    }

    struct Listing<T: Encodable>: Encodable {
        var count: Int
        var results: [T]
    }

    func addRoutes(to routes: inout RouteTable) {
        let limit = configuration.maxBodyBytes

        routes.get("/api/v1/publishers") { _, _ in
            let all = try await catalog.publishers()
            return try Reply.json(
                Listing(count: all.count, results: all.map { PublisherView(publisher: $0.publisher, datasetCount: $0.datasetCount) }))
        }
        routes.post("/api/v1/publishers") { request, context in
            let (input, _) = try await StrictJSON.decode(PublisherInput.self, from: request, schema: Self.publisherSchema, limit: limit)
            let publisher = try await catalog.createPublisher(input, by: context.identity)
            return try Reply.json(
                PublisherView(publisher: publisher, datasetCount: 0), status: .created,
                headers: [.location: "/api/v1/publishers/\(publisher.slug)"])
        }
        routes.get("/api/v1/publishers/{slug}") { _, context in
            let publisher = try await catalog.publisher(slug: try context.parameters.require("slug"))
            let counts = try await catalog.store.datasetCounts()
            return try Reply.json(PublisherView(publisher: publisher, datasetCount: counts[publisher.slug] ?? 0))
        }
        for method in [HTTPRequest.Method.put, .patch] {
            routes.on(method, "/api/v1/publishers/{slug}") { request, context in
                let (input, present) = try await StrictJSON.decode(
                    PublisherInput.self, from: request, schema: Self.publisherSchema, limit: limit)
                let publisher = try await catalog.updatePublisher(
                    slug: try context.parameters.require("slug"), input, presentFields: method == .patch ? present : nil,
                    by: context.identity)
                let counts = try await catalog.store.datasetCounts()
                return try Reply.json(PublisherView(publisher: publisher, datasetCount: counts[publisher.slug] ?? 0))
            }
        }

        routes.get("/api/v1/datasets") { request, _ in
            let query = try SearchParameters.parse(request.uri.queryParameters)
            return Reply.json(try await searchJSON(query))
        }
        routes.post("/api/v1/datasets") { request, context in
            let (input, _) = try await StrictJSON.decode(DatasetInput.self, from: request, schema: Self.datasetSchema, limit: limit)
            let dataset = try await catalog.createDataset(input, by: context.identity)
            return try Reply.json(dataset, status: .created, headers: [.location: "/api/v1/datasets/\(dataset.slug)"])
        }
        routes.get("/api/v1/datasets/{slug}") { _, context in
            try Reply.json(try await catalog.dataset(slug: try context.parameters.require("slug")))
        }
        routes.put("/api/v1/datasets/{slug}") { request, context in
            let (input, _) = try await StrictJSON.decode(DatasetInput.self, from: request, schema: Self.datasetSchema, limit: limit)
            return try Reply.json(
                try await catalog.replaceDataset(slug: try context.parameters.require("slug"), input, by: context.identity))
        }
        routes.patch("/api/v1/datasets/{slug}") { request, context in
            let (input, present) = try await StrictJSON.decode(
                DatasetInput.self, from: request, schema: Self.datasetSchema, limit: limit)
            return try Reply.json(
                try await catalog.patchDataset(
                    slug: try context.parameters.require("slug"), input, presentFields: present, by: context.identity))
        }
        routes.delete("/api/v1/datasets/{slug}") { _, context in
            try await catalog.deleteDataset(slug: try context.parameters.require("slug"), by: context.identity)
            return Reply.noContent()
        }
        routes.get("/api/v1/datasets/{slug}/history") { _, context in
            let entries = try await catalog.history(slug: try context.parameters.require("slug"))
            return try Reply.json(Listing(count: entries.count, results: entries))
        }

        routes.get("/api/v1/datasets/{slug}/distributions") { _, context in
            let dataset = try await catalog.dataset(slug: try context.parameters.require("slug"))
            return try Reply.json(Listing(count: dataset.distributions.count, results: dataset.distributions))
        }
        routes.post("/api/v1/datasets/{slug}/distributions") { request, context in
            let slug = try context.parameters.require("slug")
            let contentType = request.headers[.contentType]?.lowercased() ?? ""
            if contentType.hasPrefix("application/json") {
                let (input, _) = try await StrictJSON.decode(
                    DistributionInput.self, from: request, schema: Self.distributionSchema, limit: limit)
                let distribution = try await catalog.addDistribution(slug: slug, input, by: context.identity)
                _ = await tables.autoLoad(slug: slug, distribution: distribution, by: context.identity)
                return try Reply.json(
                    distribution, status: .created, headers: [.location: "/api/v1/datasets/\(slug)/distributions/\(distribution.id)"])
            }
            let distribution = try await upload(request, slug: slug, contentType: contentType, identity: context.identity)
            var view = UploadView(distribution: distribution)
            let lenient = request.uri.queryParameters.get("lenient").flatMap(TableQuery.boolean) ?? false
            if let name = distribution.fileName, SourceFormat.detect(fileName: name, sample: []) != nil {
                do {
                    view.table = try await tables.ingestDistribution(
                        slug: slug, distributionID: distribution.id, options: IngestOptions(lenient: lenient), by: context.identity
                    ).table
                } catch let problem as Problem {
                    view.tableProblem = problem
                }
            }
            return try Reply.json(
                view, status: .created, headers: [.location: "/api/v1/datasets/\(slug)/distributions/\(distribution.id)"])
        }
        routes.get("/api/v1/datasets/{slug}/distributions/{id}") { _, context in
            let (_, distribution) = try await catalog.distribution(
                slug: try context.parameters.require("slug"), id: try context.parameters.require("id"))
            return try Reply.json(distribution)
        }
        for method in [HTTPRequest.Method.put, .patch] {
            routes.on(method, "/api/v1/datasets/{slug}/distributions/{id}") { request, context in
                let (input, present) = try await StrictJSON.decode(
                    DistributionInput.self, from: request, schema: Self.distributionSchema, limit: limit)
                return try Reply.json(
                    try await catalog.updateDistribution(
                        slug: try context.parameters.require("slug"), id: try context.parameters.require("id"), input,
                        presentFields: method == .patch ? present : nil, by: context.identity))
            }
        }
        routes.delete("/api/v1/datasets/{slug}/distributions/{id}") { _, context in
            try await catalog.deleteDistribution(
                slug: try context.parameters.require("slug"), id: try context.parameters.require("id"), by: context.identity)
            return Reply.noContent()
        }
        routes.get("/api/v1/datasets/{slug}/distributions/{id}/download") { _, context in
            let (_, distribution) = try await catalog.distribution(
                slug: try context.parameters.require("slug"), id: try context.parameters.require("id"))
            return try await download(distribution, context: context)
        }

        routes.get("/api/v1/licences") { _, _ in
            try Reply.json(Listing(count: catalog.licences.all.count, results: catalog.licences.all))
        }
        routes.get("/api/v1/themes") { _, _ in
            struct Theme: Encodable {
                var code: String
                var label: String
            }
            let themes = Vocabularies.themes.map { Theme(code: $0.code, label: $0.label) }
            return try Reply.json(Listing(count: themes.count, results: themes))
        }
        routes.get("/api/v1/changes") { request, _ in
            let params = request.uri.queryParameters
            let after = Int64(params.get("after") ?? "0") ?? -1
            let limit = Int(params.get("limit") ?? "100") ?? -1
            guard after >= 0 else { throw Problem.badRequest("after must be a sequence number (0 or more).", field: "after") }
            guard (1...1000).contains(limit) else { throw Problem.badRequest("limit must be from 1 to 1000.", field: "limit") }
            let entries = try await catalog.store.changes(after: after, limit: limit)
            return try Reply.json(Listing(count: entries.count, results: entries))
        }
        // The portals this hub harvests and how their runs went: public, as the copies name them anyway.
        routes.get("/api/v1/harvest-sources") { _, _ in
            let sources = try await catalog.store.harvestSources()
            return try Reply.json(Listing(count: sources.count, results: sources))
        }
        routes.get("/api/v1/harvest-sources/{id}/runs") { request, context in
            let id = try context.parameters.require("id")
            guard try await catalog.store.harvestSources().contains(where: { $0.id == id }) else {
                throw Problem.notFound("Harvest source '\(id)'")
            }
            let limit = Int(request.uri.queryParameters.get("limit") ?? "20") ?? -1
            guard (1...1000).contains(limit) else { throw Problem.badRequest("limit must be from 1 to 1000.", field: "limit") }
            let runs = try await catalog.store.harvestRuns(sourceID: id, limit: limit)
            return try Reply.json(Listing(count: runs.count, results: runs))
        }
    }

    func searchJSON(_ query: DatasetQuery) async throws -> String {
        let result = try await catalog.search(query)
        let titles = (result.facets[.publisher] ?? []).isEmpty ? [:] : try await catalog.store.publisherTitles()
        return SearchResponse.json(result, query: query, publisherTitles: titles)
    }

    /// Streams the request body into the blob store, hashing as it goes; only a complete file is recorded.
    private func upload(_ request: Request, slug: String, contentType: String, identity: Identity?) async throws -> Distribution {
        // Fail before reading a large body when the dataset or the right to write it is missing.
        try await catalog.requireWritable(slug: slug, by: identity)
        let params = request.uri.queryParameters
        guard let fileName = params.get("file_name"), !fileName.isEmpty else {
            throw Problem.badRequest(
                "Name the uploaded file with ?file_name=NAME (or send application/json to add a link).", field: "file_name")
        }
        let maxBytes = configuration.maxUploadBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes {
            throw Problem(.payloadTooLarge, "The file is \(length) bytes; the upload limit is \(maxBytes) bytes.")
        }
        let upload = try blobs.begin()
        let blob: BlobReference
        do {
            for try await buffer in request.body {
                if upload.byteCount + buffer.readableBytes > maxBytes {
                    throw Problem(.payloadTooLarge, "The file is larger than the upload limit of \(maxBytes) bytes.")
                }
                try upload.write(Data(buffer.readableBytesView))
            }
            if upload.byteCount == 0 { throw Problem.badRequest("The uploaded file is empty.") }
            blob = try upload.finish()
        } catch {
            upload.abort()
            throw error
        }
        let mediaType = contentType.isEmpty || contentType == "application/octet-stream" ? nil : contentType
        return try await catalog.addUploadedDistribution(
            slug: slug, blob: blob, title: params.get("title"), fileName: fileName, mediaType: mediaType, by: identity)
    }

    /// Streams an uploaded file from the blob store off the event loop (non-blocking file I/O), or
    /// redirects to a linked distribution.
    private func download(_ distribution: Distribution, context: AgoraRequestContext) async throws -> Response {
        guard distribution.uploaded, let sha = distribution.checksum else {
            return Response(status: .found, headers: [.location: distribution.url])
        }
        guard let url = blobs.url(for: sha), blobs.exists(sha) else {
            throw Problem.notFound("The stored file for distribution '\(distribution.id)'")
        }
        let fileName = (distribution.fileName ?? "download").replacingOccurrences(of: "\"", with: "")
        var headers: HTTPFields = [
            .contentType: distribution.mediaType ?? "application/octet-stream",
            .contentDisposition: "attachment; filename=\"\(fileName)\"",
            .eTag: "\"\(sha)\"",
        ]
        if let size = distribution.byteSize { headers[.contentLength] = String(size) }
        let body = try await FileIO().loadFile(path: url.path, context: context)
        return Response(status: .ok, headers: headers, body: body)
    }
}
