import AgoraCatalog
import AgoraCore
import AgoraStore
import AgoraTables
import Foundation
import Hummingbird
import NIOCore

/// The data API: every CSV or GeoJSON distribution as a queryable, exportable table.
struct TableRoutes {
    let tables: TableService
    let blobs: BlobStore

    struct Listing<T: Encodable>: Encodable {
        var count: Int
        var results: [T]
    }

    struct Imported: Encodable {
        var table: DataTable
        var version: TableVersion
    }

    func addRoutes(to routes: inout RouteTable) {
        routes.get("/api/v1/tables/{id}") { _, context in
            try Reply.json(try await tables.table(id: try context.parameters.require("id")))
        }
        routes.get("/api/v1/tables/{id}/versions") { _, context in
            let versions = try await tables.versions(tableID: try context.parameters.require("id"))
            return try Reply.json(Listing(count: versions.count, results: versions))
        }
        routes.get("/api/v1/tables/{id}/rows") { request, context in
            let table = try await tables.table(id: try context.parameters.require("id"))
            return try await rows(table, request: request)
        }
        routes.get("/api/v1/tables/{id}/source") { _, context in
            let table = try await tables.table(id: try context.parameters.require("id"))
            let version = try tables.servedVersion(table)
            guard let url = blobs.url(for: version.checksum), blobs.exists(version.checksum) else {
                throw Problem.notFound("The source file of table '\(table.id)'")
            }
            let headers: HTTPFields = [
                .contentType: version.format == SourceFormat.geojson.rawValue ? "application/geo+json" : "text/csv",
                .contentDisposition: "attachment; filename=\"\(Self.safeFileName(version.sourceName))\"",
                .contentLength: String(version.byteSize),
                .eTag: "\"\(version.checksum)\"",
            ]
            return Response(status: .ok, headers: headers, body: try await FileIO().loadFile(path: url.path, context: context))
        }
        // CKAN's dump of a resource's datastore table, which datastore-only resources link to.
        routes.get("/datastore/dump/{resource_id}") { request, context in
            let id = try context.parameters.require("resource_id")
            guard let table = try await tables.store.table(distributionID: id) else {
                throw Problem.notFound("A datastore table for resource '\(id)'")
            }
            let format = request.uri.queryParameters.get("format") ?? "csv"
            guard ["csv", "json"].contains(format) else {
                throw Problem.badRequest("format must be csv or json.", field: "format")
            }
            return try await rows(table, parameters: [("_format", format == "json" ? "ndjson" : "csv")])
        }
        routes.get("/api/v1/datasets/{slug}/tables") { _, context in
            let dataset = try await tables.catalog.dataset(slug: try context.parameters.require("slug"))
            let found = try await tables.tables(datasetID: dataset.id)
            return try Reply.json(Listing(count: found.count, results: found))
        }
        routes.get("/dataset/{slug}/datapackage.json") { request, context in
            let (dataset, package) = try await dataPackage(slug: try context.parameters.require("slug"), request: request)
            var response = Reply.json(try AgoraJSON.encodeString(package))
            response.headers[.contentType] = "application/json; charset=utf-8"
            return response
        }
        routes.get("/dataset/{slug}/datapackage.zip") { request, context in
            let (dataset, package) = try await dataPackage(slug: try context.parameters.require("slug"), request: request)
            var files: [String: String] = [:]
            for (name, sha) in package.storedFiles {
                if let url = blobs.url(for: sha), blobs.exists(sha) { files[name] = url.path }
            }
            let stored = files
            let headers: HTTPFields = [
                .contentType: "application/zip",
                .contentDisposition: "attachment; filename=\"\(Self.safeFileName(dataset.slug)).zip\"",
            ]
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    try await DataPackage.zip(package, files: stored) { try await writer.write(ByteBuffer(bytes: $0)) }
                    try await writer.finish(nil)
                })
        }
        routes.post("/api/v1/datasets/{slug}/distributions/{id}/table") { request, context in
            let lenient = request.uri.queryParameters.get("lenient").flatMap(TableQuery.boolean) ?? false
            let (table, version) = try await tables.ingestDistribution(
                slug: try context.parameters.require("slug"), distributionID: try context.parameters.require("id"),
                options: IngestOptions(lenient: lenient), by: context.identity)
            return try Reply.json(
                Imported(table: table, version: version), status: .created, headers: [.location: "/api/v1/tables/\(table.id)"])
        }
    }

    /// The query parameters in order, with `+` as a space and percent escapes decoded (as forms send them).
    static func parameters(_ query: String?) -> [(String, String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&").compactMap { part in
            guard !part.isEmpty else { return nil }
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(pieces[0]), pieces.count > 1 ? decode(pieces[1]) : "")
        }
    }

    /// A dataset's Frictionless Data Package, as both the JSON and the ZIP routes serve it.
    func dataPackage(slug: String, request: Request) async throws -> (Dataset, DataPackage.Package) {
        let dataset = try await tables.catalog.dataset(slug: slug)
        let package = DataPackage.make(
            dataset: dataset, publisher: try await tables.catalog.store.publisher(slug: dataset.publisher),
            licence: dataset.licence.flatMap { tables.catalog.licences.licence($0) },
            tables: try await tables.tables(datasetID: dataset.id), siteURL: CKANRoutes.siteURL(request))
        return (dataset, package)
    }

    static func safeFileName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" }.prefix(100))
    }

    func rows(_ table: DataTable, request: Request) async throws -> Response {
        try await rows(table, parameters: Self.parameters(request.uri.query))
    }

    func rows(_ table: DataTable, parameters: [(String, String)]) async throws -> Response {
        let version = try tables.servedVersion(table)
        let query = try TableQuery.parse(parameters, version: version)
        var headers: HTTPFields = [.eTag: "\"\(version.checksum.prefix(16))-\(version.version)\""]
        guard let format = query.format else {
            // A page is small: built whole, sent with its length.
            var bytes: [UInt8] = []
            try await tables.answer(query, version: version) { bytes += $0 }
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let base = Slug.make(from: table.title).isEmpty ? "table" : Slug.make(from: table.title)
        let extensions: [ExportFormat: String] = [.json: "json", .csv: "csv", .ndjson: "ndjson", .geojson: "geojson"]
        headers[.contentType] = format.contentType
        headers[.contentDisposition] = "attachment; filename=\"\(base).\(extensions[format] ?? "txt")\""
        let tables = tables
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await tables.answer(query, version: version) { chunk in try await writer.write(ByteBuffer(bytes: chunk)) }
                try await writer.finish(nil)
            })
    }
}
