import AgoraCatalog
import AgoraCore
import AgoraStore

/// Writes a search answer by hand: stored documents go out as they are, without decoding and
/// re-encoding, because search is the hottest path of the catalogue.
enum SearchResponse {
    static func json(_ result: DatasetSearchResult, query: DatasetQuery, publisherTitles: [String: String]) -> String {
        var out = "{\"count\":\(result.total),\"page\":\(query.offset / max(query.limit, 1) + 1),\"per_page\":\(query.limit),\"results\":["
        out.reserveCapacity(1024 + result.documents.reduce(0) { $0 + $1.utf8.count })
        for (i, doc) in result.documents.enumerated() {
            if i > 0 { out += "," }
            out += doc
        }
        out += "],\"facets\":{"
        for (i, facet) in Facet.allCases.enumerated() {
            if i > 0 { out += "," }
            out += "\"\(facet.rawValue)\":["
            for (j, value) in (result.facets[facet] ?? []).enumerated() {
                if j > 0 { out += "," }
                out += "{\"value\":\(AgoraJSON.quote(value.value)),\"count\":\(value.count)"
                if let label = label(facet, value.value, publisherTitles: publisherTitles) {
                    out += ",\"label\":\(AgoraJSON.quote(label))"
                }
                out += "}"
            }
            out += "]"
        }
        out += "}}"
        return out
    }

    static func label(_ facet: Facet, _ value: String, publisherTitles: [String: String]) -> String? {
        switch facet {
        case .publisher: publisherTitles[value]
        case .theme: Vocabularies.themeLabel(value)
        case .licence: LicenceTable.standard.licence(value)?.title
        case .open: value == "true" ? "Open data" : "Not open"
        case .tag, .format: nil
        }
    }
}
