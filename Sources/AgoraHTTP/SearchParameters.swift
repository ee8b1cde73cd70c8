import AgoraCore
import AgoraStore
import Hummingbird

/// Reads dataset search parameters from a query string. Unknown parameters are a 400 that names them,
/// never silently ignored.
enum SearchParameters {
    static let known: Set<String> = [
        "q", "publisher", "tag", "theme", "licence", "format", "open", "modified_since", "sort", "page", "per_page",
        "facet_limit",
    ]
    static let maxPerPage = 100

    static func parse(_ parameters: Parameters, extraAllowed: Set<String> = []) throws -> DatasetQuery {
        var unknown: [String] = []
        for (key, _) in parameters where !known.contains(String(key)) && !extraAllowed.contains(String(key)) {
            if !unknown.contains(String(key)) { unknown.append(String(key)) }
        }
        if !unknown.isEmpty {
            throw Problem(
                .badRequest,
                "Unknown query parameter\(unknown.count == 1 ? "" : "s"): \(unknown.joined(separator: ", ")). Known: \(known.sorted().joined(separator: ", ")).",
                errors: unknown.map { .init(field: $0, message: "is not a search parameter") })
        }
        func single(_ name: String) -> String? {
            guard let value = parameters.get(name) else { return nil }
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
        func integer(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
            guard let text = single(name) else { return value }
            guard let number = Int(text), range.contains(number) else {
                throw Problem.badRequest("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound).", field: name)
            }
            return number
        }
        var query = DatasetQuery()
        if let q = single("q") {
            guard q.count <= 500 else { throw Problem.badRequest("q must be at most 500 characters.", field: "q") }
            query.text = q
        }
        query.publisher = single("publisher")
        query.tags = parameters.getAll("tag").map { String($0) }.filter { !$0.isEmpty }
        query.themes = parameters.getAll("theme").map { $0.uppercased() }.filter { !$0.isEmpty }
        query.licence = single("licence")
        query.format = single("format")
        if let open = single("open") {
            switch open.lowercased() {
            case "true", "1", "yes": query.isOpen = true
            case "false", "0", "no": query.isOpen = false
            default: throw Problem.badRequest("open must be true or false.", field: "open")
            }
        }
        if let since = single("modified_since") {
            guard let date = Timestamp.parse(since) else {
                throw Problem.badRequest("modified_since must be an RFC 3339 timestamp or a date.", field: "modified_since")
            }
            query.modifiedSince = date
        }
        if let sort = single("sort") {
            guard let value = DatasetSort(rawValue: sort) else {
                throw Problem.badRequest(
                    "sort must be one of \(DatasetSort.allCases.map(\.rawValue).joined(separator: ", ")).", field: "sort")
            }
            query.sort = value
        }
        if query.tags.count + query.themes.count > 20 {
            throw Problem.badRequest("At most 20 tag and theme filters.", field: "tag")
        }
        let perPage = try integer("per_page", default: 20, range: 1...maxPerPage)
        let page = try integer("page", default: 1, range: 1...10_000)
        query.limit = perPage
        query.offset = (page - 1) * perPage
        query.facetLimit = try integer("facet_limit", default: 10, range: 1...100)
        return query
    }
}
