import AgoraCatalog
import AgoraCore
import AgoraStore
import Foundation
import Hummingbird

/// The catalogue as DCAT-AP 3 in Turtle, JSON-LD and RDF/XML: `/catalog.{ttl,jsonld,rdf}` paged with
/// hydra, `/dataset/{slug}.{ttl,jsonld,rdf}`, and `Accept` negotiation on `/catalog` and `/dataset/{slug}`.
struct DCATRoutes {
    let catalog: CatalogService
    let siteName: String

    static let pageSize = 100
    static let maxPage = 100_000

    func addRoutes(to routes: inout RouteTable) {
        routes.get("/catalog") { request, _ in
            try await catalogPage(request, format: RDFFormat.negotiate(accept: request.headers[.accept]) ?? .turtle)
        }
        for format in RDFFormat.allCases {
            routes.get("/catalog.\(format.rawValue)") { request, _ in try await catalogPage(request, format: format) }
        }
    }

    /// The DCAT format a dataset page request asks for, by suffix or `Accept`, with the bare slug.
    static func datasetFormat(slug: String, accept: String?) -> (String, RDFFormat)? {
        for format in RDFFormat.allCases where slug.hasSuffix(".\(format.rawValue)") {
            return (String(slug.dropLast(format.rawValue.count + 1)), format)
        }
        return RDFFormat.negotiate(accept: accept).map { (slug, $0) }
    }

    func datasetDocument(slug: String, format: RDFFormat, request: Request) async throws -> Response {
        let dataset = try await catalog.dataset(slug: slug)
        let publisher = try await catalog.store.publisher(slug: dataset.publisher)
        let mapping = DCATMapping(site: CKANRoutes.siteURL(request), siteName: siteName, licences: catalog.licences)
        return rdf(format.serialize(mapping.dataset(dataset, publisher: publisher)), format: format)
    }

    func catalogPage(_ request: Request, format: RDFFormat) async throws -> Response {
        let parameters = request.uri.queryParameters
        for (key, _) in parameters where !["page", "modified_since"].contains(String(key)) {
            throw Problem.badRequest("Unknown parameter '\(key)'; the catalogue takes page and modified_since.", field: String(key))
        }
        var query = DatasetQuery(sort: .modifiedAscending, limit: Self.pageSize, facetLimit: 0)
        var base = CKANRoutes.siteURL(request) + "/catalog.\(format.rawValue)"
        if let since = parameters.get("modified_since") {
            guard let date = Timestamp.parse(since) ?? Self.day(since) else {
                throw Problem.badRequest(
                    "modified_since must be an ISO 8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z.",
                    field: "modified_since")
            }
            query.modifiedSince = date
            base += "?modified_since=" + (since.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? since)
        }
        var number = 1
        if let text = parameters.get("page") {
            guard let value = Int(text), value >= 1, value <= Self.maxPage else {
                throw Problem.badRequest("page must be a whole number from 1 to \(Self.maxPage).", field: "page")
            }
            number = value
        }
        query.offset = (number - 1) * Self.pageSize
        let result = try await catalog.search(query)
        let page = DCATMapping.Page(number: number, size: Self.pageSize, total: result.total, base: base)
        if number > page.last {
            throw Problem(
                .notFound, "Page \(number) is past the end of the catalogue: it has \(page.last) page(s) of \(Self.pageSize) datasets.")
        }
        let datasets = try result.documents.map { try AgoraJSON.decode(Dataset.self, from: $0) }
        let publishers = Dictionary(try await catalog.store.publishers().map { ($0.slug, $0) }, uniquingKeysWith: { a, _ in a })
        // The catalogue was issued with its first change and last modified with its newest dataset.
        let issued = try await catalog.store.changes(after: 0, limit: 1).first?.at
        let newest = try await catalog.search(DatasetQuery(sort: .modified, limit: 1, facetLimit: 0)).documents.first
        let modified = try newest.map { try AgoraJSON.decode(Dataset.self, from: $0).modified }
        let mapping = DCATMapping(site: CKANRoutes.siteURL(request), siteName: siteName, licences: catalog.licences)
        return rdf(
            format.serialize(mapping.catalog(datasets, publishers: publishers, page: page, issued: issued, modified: modified)),
            format: format)
    }

    static func day(_ text: String) -> Date? {
        guard text.count == 10 else { return nil }
        return Timestamp.parse(text + "T00:00:00Z")
    }

    func rdf(_ body: String, format: RDFFormat) -> Response {
        var response = Reply.text(body, contentType: format.mediaType + "; charset=utf-8")
        response.headers[.vary] = "Accept"
        return response
    }
}
