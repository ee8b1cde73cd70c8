import AgoraCatalog
import AgoraCore
import AgoraStore
import AgoraTables
import Foundation
import Hummingbird

/// Server-rendered pages, readable without JavaScript. Each has a JSON twin: the same path with
/// `.json`, or `Accept: application/json`.
struct PageRoutes {
    let catalog: CatalogService
    let tables: TableService
    let api: CatalogRoutes
    let siteName: String
    var dcat: DCATRoutes { DCATRoutes(catalog: catalog, siteName: siteName) }

    static func wantsJSON(_ request: Request) -> Bool {
        guard let accept = request.headers[.accept]?.lowercased() else { return false }
        return accept.hasPrefix("application/json") || (accept.contains("application/json") && !accept.contains("text/html"))
    }

    func addRoutes(to routes: inout RouteTable) {
        routes.get("/assets/agora.css") { _, _ in
            var response = Reply.text(agoraCSS, contentType: "text/css; charset=utf-8")
            response.headers[.cacheControl] = "public, max-age=3600"
            return response
        }
        routes.get("/") { request, _ in
            Self.wantsJSON(request) ? Reply.json(try await homeJSON()) : Reply.html(try await homePage())
        }
        routes.get("/index.json") { _, _ in Reply.json(try await homeJSON()) }
        routes.get("/search") { request, _ in
            let query = try SearchParameters.parse(request.uri.queryParameters)
            if Self.wantsJSON(request) { return Reply.json(try await api.searchJSON(query)) }
            return Reply.html(try await searchPage(query, parameters: request.uri.queryParameters))
        }
        routes.get("/search.json") { request, _ in
            Reply.json(try await api.searchJSON(try SearchParameters.parse(request.uri.queryParameters)))
        }
        routes.get("/dataset/{slug}") { request, context in
            var slug = try context.parameters.require("slug")
            if let (bare, format) = DCATRoutes.datasetFormat(slug: slug, accept: request.headers[.accept]) {
                return try await dcat.datasetDocument(slug: bare, format: format, request: request)
            }
            let asJSON = slug.hasSuffix(".json") || Self.wantsJSON(request)
            if slug.hasSuffix(".json") { slug.removeLast(5) }
            let dataset = try await catalog.dataset(slug: slug)
            let publisher = try await catalog.store.publisher(slug: dataset.publisher)
            let history = try await catalog.history(slug: slug, limit: 50)
            if asJSON {
                struct Twin: Encodable {
                    var dataset: Dataset
                    var publisher: Publisher?
                    var licence: Licence?
                    var history: [ChangeEntry]
                }
                return try Reply.json(
                    Twin(
                        dataset: dataset, publisher: publisher, licence: dataset.licence.flatMap { catalog.licences.licence($0) },
                        history: history))
            }
            let tablesByDistribution = Dictionary(
                try await tables.tables(datasetID: dataset.id).map { ($0.distributionID, $0) }, uniquingKeysWith: { a, _ in a })
            return Reply.html(datasetPage(dataset, publisher: publisher, history: history, tables: tablesByDistribution))
        }
        routes.get("/publisher/{slug}") { request, context in
            var slug = try context.parameters.require("slug")
            let asJSON = slug.hasSuffix(".json") || Self.wantsJSON(request)
            if slug.hasSuffix(".json") { slug.removeLast(5) }
            let publisher = try await catalog.publisher(slug: slug)
            var query = DatasetQuery(publisher: publisher.slug, sort: .modified, limit: 100)
            if let page = request.uri.queryParameters.get("page").flatMap(Int.init), page > 1, page <= 10_000 {
                query.offset = (page - 1) * query.limit
            }
            if asJSON {
                return Reply.json(
                    "{\"publisher\":\(try AgoraJSON.encodeString(publisher)),\"datasets\":\(try await api.searchJSON(query))}")
            }
            let result = try await catalog.search(query)
            return Reply.html(try publisherPage(publisher, result: result, query: query))
        }
        routes.get("/publishers") { request, _ in
            let all = try await catalog.publishers()
            if Self.wantsJSON(request) { return try publishersJSON(all) }
            return Reply.html(publishersPage(all))
        }
        routes.get("/publishers.json") { _, _ in try publishersJSON(try await catalog.publishers()) }
    }

    private func publishersJSON(_ all: [(publisher: Publisher, datasetCount: Int)]) throws -> Response {
        try Reply.json(
            CatalogRoutes.Listing(
                count: all.count, results: all.map { CatalogRoutes.PublisherView(publisher: $0.publisher, datasetCount: $0.datasetCount) }))
    }

    // MARK: Home

    private func homeJSON() async throws -> String {
        let recent = DatasetQuery(sort: .modified, limit: 10)
        let publishers = try await catalog.publishers()
        let publishersJSON = try AgoraJSON.encodeString(
            publishers.map {
                CatalogRoutes.PublisherView(publisher: $0.publisher, datasetCount: $0.datasetCount)
            })
        return "{\"site\":\(AgoraJSON.quote(siteName)),\"publishers\":\(publishersJSON),\"recent\":\(try await api.searchJSON(recent))}"
    }

    private func homePage() async throws -> String {
        let result = try await catalog.search(DatasetQuery(sort: .modified, limit: 10))
        let titles = try await publisherTitles()
        var body = """
            <section class="intro">
            <h1>Open data for the city</h1>
            <p>\(result.total) datasets from \(titles.count) publishers, free to access, use and share.</p>
            <form action="/search" method="get" role="search">
            <label for="home-q">What are you looking for?</label>
            <input id="home-q" type="search" name="q" placeholder="e.g. air quality, bus stops, housing">
            <button type="submit">Search</button>
            </form>
            </section>
            <div class="layout">
            \(facetsHTML(result.facets, titles: titles, base: []))
            <section aria-labelledby="recent"><h2 id="recent">Recently updated</h2>
            """
        body += resultsHTML(result.documents, titles: titles)
        body += "</section></div>"
        return page(title: "Open data", siteName: siteName, body: body)
    }

    // MARK: Search

    private func searchPage(_ query: DatasetQuery, parameters: Parameters) async throws -> String {
        let result = try await catalog.search(query)
        let titles = try await publisherTitles()
        var base: [(String, String)] = []
        for (key, value) in parameters where key != "page" { base.append((String(key), String(value))) }
        let heading = query.text.map { "Datasets matching “\(esc($0))”" } ?? "All datasets"
        var body = "<h1>\(heading)</h1><p class=\"meta\">\(result.total) dataset\(result.total == 1 ? "" : "s")"
        let active = base.filter { $0.0 != "q" && $0.0 != "sort" && $0.0 != "per_page" }
        if !active.isEmpty {
            body +=
                " · filtered by "
                + active.map { k, v in
                    let rest = base.filter { !($0.0 == k && $0.1 == v) }
                    return "\(esc(k)): \(esc(v)) <a href=\"/search?\(encode(rest))\" aria-label=\"Remove filter \(esc(k)) \(esc(v))\">✕</a>"
                }.joined(separator: ", ")
        }
        body += "</p>"
        body +=
            "<p class=\"meta\">Sort: "
            + DatasetSort.allCases.map { sort in
                let params = base.filter { $0.0 != "sort" } + [("sort", sort.rawValue)]
                return sort == query.sort
                    ? "<strong>\(sort.rawValue)</strong>" : "<a href=\"/search?\(encode(params))\">\(sort.rawValue)</a>"
            }.joined(separator: " · ") + "</p>"
        body += "<div class=\"layout\">\(facetsHTML(result.facets, titles: titles, base: base))<section aria-label=\"Results\">"
        body += resultsHTML(result.documents, titles: titles)
        let pageNumber = query.offset / query.limit + 1
        body += "<nav class=\"pager\" aria-label=\"Pages\">"
        if pageNumber > 1 { body += "<a rel=\"prev\" href=\"/search?\(encode(base + [("page", String(pageNumber - 1))]))\">← Previous</a>" }
        if query.offset + query.limit < result.total {
            body += "<a rel=\"next\" href=\"/search?\(encode(base + [("page", String(pageNumber + 1))]))\">Next →</a>"
        }
        body += "</nav></section></div>"
        return page(title: query.text ?? "Datasets", siteName: siteName, query: query.text ?? "", body: body)
    }

    private func encode(_ params: [(String, String)]) -> String {
        esc(params.map { "\(urlQuery($0.0))=\(urlQuery($0.1))" }.joined(separator: "&"))
    }

    private func publisherTitles() async throws -> [String: String] {
        try await catalog.store.publisherTitles()
    }

    private func facetsHTML(_ facets: [Facet: [FacetValue]], titles: [String: String], base: [(String, String)]) -> String {
        let names: [(Facet, String, String)] = [
            (.publisher, "Publisher", "publisher"), (.theme, "Theme", "theme"), (.tag, "Tag", "tag"),
            (.format, "Format", "format"), (.licence, "Licence", "licence"), (.open, "Openness", "open"),
        ]
        var out = "<aside class=\"facets\" aria-label=\"Filter results\">"
        for (facet, heading, parameter) in names {
            let values = facets[facet] ?? []
            if values.isEmpty { continue }
            out += "<h3>\(heading)</h3><ul>"
            for value in values {
                let label = SearchResponse.label(facet, value.value, publisherTitles: titles) ?? value.value
                let params = base.filter { $0.0 != "page" } + [(parameter, value.value)]
                out += "<li><a href=\"/search?\(encode(params))\">\(esc(label))</a> <span class=\"count\">\(value.count)</span></li>"
            }
            out += "</ul>"
        }
        return out + "</aside>"
    }

    private func resultsHTML(_ documents: [String], titles: [String: String]) -> String {
        if documents.isEmpty { return "<p>No datasets match. Try fewer words or remove a filter.</p>" }
        var out = "<ol class=\"results\">"
        for doc in documents {
            guard let d = try? AgoraJSON.decode(Dataset.self, from: doc) else { continue }
            let summary = d.description.count > 240 ? String(d.description.prefix(240)) + "…" : d.description
            out += """
                <li><h2><a href="/dataset/\(esc(d.slug))">\(esc(d.title))</a></h2>
                <p class="meta"><a href="/publisher/\(esc(d.publisher))">\(esc(titles[d.publisher] ?? d.publisher))</a> · updated \(formatDate(d.modified))
                \(d.isOpen ? "<span class=\"badge open\">Open data</span>" : "<span class=\"badge closed\">Not open</span>")
                \(d.formats.map { "<span class=\"badge\">\(esc($0))</span>" }.joined())</p>
                <p>\(esc(summary))</p></li>
                """
        }
        return out + "</ol>"
    }

    // MARK: Dataset

    private func datasetPage(_ d: Dataset, publisher: Publisher?, history: [ChangeEntry], tables: [String: DataTable]) -> String {
        let licence = d.licence.flatMap { catalog.licences.licence($0) }
        let licenceHTML: String
        if let licence {
            licenceHTML =
                "<a href=\"\(esc(licence.url))\" rel=\"license\">\(esc(licence.title))</a> "
                + (licence.isOpen
                    ? "<span class=\"badge open\">Open data</span>"
                    : "<span class=\"badge closed\">Not open</span> This licence does not meet the Open Definition.")
        } else {
            licenceHTML = "<span class=\"badge closed\">Not open</span> No licence is given, so the data is not open."
        }
        var facts: [(String, String)] = [
            ("Publisher", publisher.map { "<a href=\"/publisher/\(esc($0.slug))\">\(esc($0.title))</a>" } ?? esc(d.publisher)),
            ("Licence", licenceHTML),
        ]
        if let origin = d.harvestedFrom {
            facts.append(
                (
                    "Harvested from",
                    "<a href=\"\(esc(origin.url))\">\(esc(origin.url))</a> (a read-only copy; changes are made at \(esc(origin.sourceURL)))"
                ))
        }
        if !d.tags.isEmpty {
            facts.append(("Tags", d.tags.map { "<a href=\"/search?tag=\(esc(urlQuery($0)))\">\(esc($0))</a>" }.joined(separator: ", ")))
        }
        if !d.themes.isEmpty {
            facts.append(
                (
                    "Themes",
                    d.themes.map { "<a href=\"/search?theme=\(esc($0))\">\(esc(Vocabularies.themeLabel($0) ?? $0))</a>" }.joined(
                        separator: ", ")
                ))
        }
        if let s = d.spatial {
            var text = s.name.map(esc) ?? ""
            if let b = s.bbox, b.count == 4 { text += " (bounding box \(b.map { String($0) }.joined(separator: ", ")))" }
            facts.append(("Area covered", text))
        }
        if let t = d.temporal { facts.append(("Time covered", "\(esc(t.start ?? "…")) to \(esc(t.end ?? "…"))")) }
        if let f = d.updateFrequency { facts.append(("Updated", esc(f))) }
        if let c = d.contactPoint {
            let name = esc(c.name ?? c.email ?? "")
            facts.append(("Contact", c.email.map { "<a href=\"mailto:\(esc($0))\">\(name)</a>" } ?? name))
        }
        if let l = d.landingPage { facts.append(("More information", "<a href=\"\(esc(l))\">\(esc(l))</a>")) }
        if let p = d.provenance { facts.append(("Provenance", esc(p))) }
        facts.append(("Created", formatDate(d.created)))
        facts.append(("Last changed", formatDate(d.modified)))

        var body = "<article><h1>\(esc(d.title))</h1>"
        body += "<p class=\"description\">\(esc(d.description))</p>"
        body += "<dl class=\"facts\">" + facts.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl>"
        body += "<h2 id=\"data\">Data and resources</h2>"
        if d.distributions.isEmpty {
            body += "<p>No files or links yet.</p>"
        } else {
            body +=
                "<table><thead><tr><th scope=\"col\">Resource</th><th scope=\"col\">Format</th><th scope=\"col\">Size</th><th scope=\"col\">Download</th></tr></thead><tbody>"
            for x in d.distributions {
                let href = x.uploaded ? "/api/v1/datasets/\(d.slug)/distributions/\(x.id)/download" : x.url
                body += "<tr><td>\(esc(x.title))"
                if !x.description.isEmpty { body += "<br><span class=\"meta\">\(esc(x.description))</span>" }
                if let sum = x.checksum { body += "<br><span class=\"meta\">SHA-256 \(esc(sum))</span>" }
                body += "</td><td>\(esc(x.format ?? "—"))</td><td>\(x.byteSize.map(formatBytes) ?? "—")</td>"
                body += "<td><a href=\"\(esc(href))\" download>\(x.uploaded ? "Download" : "Open link")</a>"
                if let table = tables[x.id], let current = table.current {
                    body +=
                        "<br><a href=\"/table/\(esc(table.id))\">Explore as a table</a> <span class=\"meta\">(\(current.rowCount) rows)</span>"
                }
                body += "</td></tr>"
            }
            body += "</tbody></table>"
        }
        body +=
            "<h2 id=\"history\">History</h2><table><thead><tr><th scope=\"col\">When</th><th scope=\"col\">What</th><th scope=\"col\">Who</th><th scope=\"col\">Change</th></tr></thead><tbody>"
        for e in history {
            body +=
                "<tr><td>\(esc(Timestamp.string(e.at)))</td><td>\(esc(e.summary))</td><td>\(esc(e.actor ?? "—"))</td><td class=\"meta\">#\(e.seq) \(esc(String(e.hash.prefix(12))))</td></tr>"
        }
        body += "</tbody></table>"
        body +=
            "<p class=\"meta\">This page as JSON: <a href=\"/dataset/\(esc(d.slug)).json\">/dataset/\(esc(d.slug)).json</a></p></article>"
        return page(title: d.title, siteName: siteName, body: body)
    }

    // MARK: Publishers

    private func publisherPage(_ p: Publisher, result: DatasetSearchResult, query: DatasetQuery) throws -> String {
        var body = "<h1>\(esc(p.title))</h1>"
        if !p.description.isEmpty { body += "<p class=\"description\">\(esc(p.description))</p>" }
        var facts: [(String, String)] = [("Kind", p.kind == .organisation ? "Organisation" : "Community group")]
        if let h = p.homepage { facts.append(("Website", "<a href=\"\(esc(h))\">\(esc(h))</a>")) }
        if let e = p.email { facts.append(("Email", "<a href=\"mailto:\(esc(e))\">\(esc(e))</a>")) }
        body += "<dl class=\"facts\">" + facts.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl>"
        body += "<h2>\(result.total) dataset\(result.total == 1 ? "" : "s")</h2>"
        body += resultsHTML(result.documents, titles: [p.slug: p.title])
        let pageNumber = query.offset / query.limit + 1
        body += "<nav class=\"pager\" aria-label=\"Pages\">"
        if pageNumber > 1 { body += "<a rel=\"prev\" href=\"/publisher/\(esc(p.slug))?page=\(pageNumber - 1)\">← Previous</a>" }
        if query.offset + query.limit < result.total {
            body += "<a rel=\"next\" href=\"/publisher/\(esc(p.slug))?page=\(pageNumber + 1)\">Next →</a>"
        }
        body +=
            "</nav><p class=\"meta\">This page as JSON: <a href=\"/publisher/\(esc(p.slug)).json\">/publisher/\(esc(p.slug)).json</a></p>"
        return page(title: p.title, siteName: siteName, body: body)
    }

    private func publishersPage(_ all: [(publisher: Publisher, datasetCount: Int)]) -> String {
        var body =
            "<h1>Publishers</h1><table><thead><tr><th scope=\"col\">Publisher</th><th scope=\"col\">Kind</th><th scope=\"col\">Datasets</th></tr></thead><tbody>"
        for (p, count) in all {
            body +=
                "<tr><td><a href=\"/publisher/\(esc(p.slug))\">\(esc(p.title))</a></td><td>\(p.kind == .organisation ? "Organisation" : "Community group")</td><td>\(count)</td></tr>"
        }
        body += "</tbody></table>"
        return page(title: "Publishers", siteName: siteName, body: body)
    }
}
