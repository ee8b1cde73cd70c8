import AgoraCatalog
import AgoraCore
import AgoraStore
import AgoraTables
import Foundation
import Hummingbird

/// The table page: a preview of any query (sortable by its column headings, filterable by a plain
/// form), column statistics, a bar chart for a group-by and a map drawn as inline SVG. Readable
/// without JavaScript; the JSON twin is the table's API record.
struct TablePages {
    let tables: TableService
    let siteName: String

    static let previewSize = 50
    static let mapPoints = 2000

    func addRoutes(to routes: inout RouteTable) {
        routes.get("/table/{id}") { request, context in
            var id = try context.parameters.require("id")
            let asJSON = id.hasSuffix(".json") || PageRoutes.wantsJSON(request)
            if id.hasSuffix(".json") { id.removeLast(5) }
            let table = try await tables.table(id: id)
            if asJSON { return try Reply.json(table) }
            return Reply.html(try await tablePage(table, parameters: Self.normalise(TableRoutes.parameters(request.uri.query))))
        }
    }

    /// Turns the page's form fields into the query language: column, operator and value make one
    /// filter; empty fields are dropped.
    static func normalise(_ parameters: [(String, String)]) -> [(String, String)] {
        var out: [(String, String)] = []
        var column: String?
        var op = ""
        var value: String?
        for (key, text) in parameters {
            switch key {
            case "_column": column = text
            case "_op": op = text
            case "_value": value = text
            case "_q", "_group", "_sort", "_fields", "_agg", "_after": if !text.isEmpty { out.append((key, text)) }
            default: out.append((key, text))
            }
        }
        if !out.contains(where: { $0.0 == "_group" }) { out.removeAll { $0.0 == "_agg" } }
        if let column, let value, !value.isEmpty { out.append((column + op, value)) }
        return out
    }

    /// Runs a query for the page and reads its JSON answer back.
    private func run(
        _ parameters: [(String, String)], version: TableVersion
    ) async throws -> (
        columns: [(name: String, type: String)], rows: [[String: Any]], next: String?, total: Int?
    ) {
        let query = try TableQuery.parse(parameters, version: version)
        var bytes: [UInt8] = []
        try await tables.answer(query, version: version) { bytes += $0 }
        let object = (try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) as? [String: Any] ?? [:]
        let columns = (object["columns"] as? [[String: String]] ?? []).map { (name: $0["name"] ?? "", type: $0["type"] ?? "") }
        return (columns, object["rows"] as? [[String: Any]] ?? [], object["next"] as? String, object["total"] as? Int)
    }

    static func cell(_ value: Any?, type: String) -> String {
        switch value {
        case nil, is NSNull: return "<span class=\"meta\">—</span>"
        case let number as NSNumber where type == "boolean": return number.boolValue ? "true" : "false"
        case let text as String: return esc(text)
        case let number as NSNumber: return esc(number.stringValue)
        default: return esc("\(value!)")
        }
    }

    static func href(_ id: String, _ parameters: [(String, String)]) -> String {
        let query = parameters.map { "\(urlQuery($0.0))=\(urlQuery($0.1))" }.joined(separator: "&")
        return "/table/\(id)" + (query.isEmpty ? "" : "?" + query)
    }

    func tablePage(_ table: DataTable, parameters given: [(String, String)]) async throws -> String {
        let version = try tables.servedVersion(table)
        let id = esc(table.id)
        // What the person asked for, without paging; the page adds its own size and count.
        let base = given.filter { !["_size", "_count", "_format"].contains($0.0) }
        let filters = base.filter { $0.0 != "_after" }
        var problem: Problem?
        var answer: (columns: [(name: String, type: String)], rows: [[String: Any]], next: String?, total: Int?) = ([], [], nil, nil)
        do {
            answer = try await run(base + [("_size", String(Self.previewSize)), ("_count", "true")], version: version)
        } catch let error as Problem {
            problem = error
            answer = try await run([("_size", String(Self.previewSize)), ("_count", "true")], version: version)
        }

        var body = "<article><h1>\(esc(table.title))</h1>"
        body +=
            "<p class=\"meta\">A table from the dataset <a href=\"/dataset/\(esc(table.datasetSlug))\">\(esc(table.datasetSlug))</a> · "
            + "version \(version.version) from \(esc(version.sourceName)) (\(version.format), \(formatBytes(version.byteSize))) · "
            + "\(version.rowCount) rows · loaded \(formatDate(version.created))</p>"
        var downloads = [
            ("CSV", "csv"), ("JSON", "json"), ("NDJSON", "ndjson"),
        ]
        if version.geo != nil { downloads.append(("GeoJSON", "geojson")) }
        let exportBase = filters.filter { !$0.0.hasPrefix("_") || ["_q", "_near", "_radius", "_bbox", "_sort", "_fields"].contains($0.0) }
        body += "<p>Download these rows: "
        body += downloads.map { name, format in
            let query = (exportBase + [("_format", format)]).map { "\(urlQuery($0.0))=\(urlQuery($0.1))" }.joined(separator: "&")
            return "<a href=\"/api/v1/tables/\(id)/rows?\(esc(query))\">\(name)</a>"
        }.joined(separator: " · ")
        body += " · <a href=\"/api/v1/tables/\(id)/source\">original file</a> · <a href=\"/api/v1/tables/\(id)/rows\">API</a></p>"

        if let problem {
            body += "<p class=\"problem\" role=\"alert\">\(esc(problem.detail)) "
            body += problem.errors.map { "<br>\(esc($0.field)): \(esc($0.message))" }.joined()
            body += "<br>Showing the table unfiltered.</p>"
        }
        body += filterForm(table: table, version: version, filters: filters)

        if filters.contains(where: { $0.0 == "_group" }), problem == nil {
            body += chart(answer)
        }
        body += "<h2 id=\"rows\">Rows</h2>"
        if let total = answer.total { body += "<p class=\"meta\">\(total) matching rows; showing up to \(Self.previewSize).</p>" }
        let sortKeys = filters.filter { $0.0 == "_sort" }.map(\.1)
        let unsorted = filters.filter { $0.0 != "_sort" }
        body += "<div class=\"scroll\"><table class=\"rows\"><thead><tr>"
        for column in answer.columns {
            let ascending = sortKeys == [column.name]
            let next = ascending ? "-\(column.name)" : column.name
            let mark = ascending ? " ▲" : (sortKeys == ["-\(column.name)"] ? " ▼" : "")
            let link =
                problem == nil && !filters.contains { $0.0 == "_group" }
                ? "<a href=\"\(esc(Self.href(table.id, unsorted + [("_sort", next)])))\">\(esc(column.name))</a>" : esc(column.name)
            body += "<th scope=\"col\">\(link)\(mark)<br><span class=\"meta\">\(esc(column.type))</span></th>"
        }
        body += "</tr></thead><tbody>"
        for row in answer.rows {
            body += "<tr>" + answer.columns.map { "<td>\(Self.cell(row[$0.name], type: $0.type))</td>" }.joined() + "</tr>"
        }
        body += "</tbody></table></div>"
        if let next = answer.next, problem == nil {
            body += "<p><a rel=\"next\" href=\"\(esc(Self.href(table.id, filters + [("_after", next)])))\">Next rows</a></p>"
        }

        if version.geo != nil {
            body += try await map(version: version, filters: filters.filter { !["_sort", "_group", "_agg", "_fields"].contains($0.0) })
        }
        body += columnsTable(version)
        body += try await versionsList(table)
        body += "<p class=\"meta\">This table as JSON: <a href=\"/table/\(id).json\">/table/\(id).json</a></p></article>"
        return page(title: table.title, siteName: siteName, body: body)
    }

    private func filterForm(table: DataTable, version: TableVersion, filters: [(String, String)]) -> String {
        let id = esc(table.id)
        var form = "<form class=\"filters\" method=\"get\" action=\"/table/\(id)\"><fieldset><legend>Filter and search</legend>"
        // Filters already applied come back as hidden fields, so a new one adds to them.
        for (key, value) in filters where !["_q", "_group", "_agg", "_after"].contains(key) {
            form += "<input type=\"hidden\" name=\"\(esc(key))\" value=\"\(esc(value))\">"
        }
        let q = filters.first { $0.0 == "_q" }?.1 ?? ""
        form += "<label>Search text <input type=\"search\" name=\"_q\" value=\"\(esc(q))\"></label> "
        form += "<label>Column <select name=\"_column\">"
        form += version.columns.map { "<option>\(esc($0.name))</option>" }.joined()
        form += "</select></label> <label>is <select name=\"_op\">"
        let operators: [(String, String)] = [
            ("", "equal to"), ("__ne", "not equal to"), ("__gt", "more than"), ("__gte", "at least"), ("__lt", "less than"),
            ("__lte", "at most"), ("__contains", "containing"), ("__startswith", "starting with"),
        ]
        form += operators.map { "<option value=\"\($0.0)\">\($0.1)</option>" }.joined()
        form += "</select></label> <label>value <input name=\"_value\"></label> <button type=\"submit\">Apply</button></fieldset>"
        form += "<fieldset><legend>Group and chart</legend><label>Group by <select name=\"_group\"><option value=\"\">—</option>"
        let group = filters.first { $0.0 == "_group" }?.1
        form += version.columns.filter { $0.name != version.geo?.geometry }.map {
            "<option\($0.name == group ? " selected" : "")>\(esc($0.name))</option>"
        }.joined()
        form += "</select></label> <label>showing <select name=\"_agg\"><option value=\"count\">count</option>"
        for column in version.columns where column.type.isNumeric && !column.exact {
            for function in ["avg", "sum", "min", "max"] {
                let value = "\(function):\(column.name)"
                let selected = filters.contains { $0.0 == "_agg" && $0.1 == value } ? " selected" : ""
                form += "<option value=\"\(esc(value))\"\(selected)>\(function) of \(esc(column.name))</option>"
            }
        }
        form += "</select></label> <button type=\"submit\">Chart</button></fieldset></form>"
        let active = filters.filter { $0.0 != "_after" }
        if !active.isEmpty {
            form += "<p class=\"meta\">Applied: "
            form += active.enumerated().map { index, pair in
                let rest = active.enumerated().filter { $0.offset != index }.map(\.element)
                return
                    "<code>\(esc(pair.0))=\(esc(pair.1))</code> <a href=\"\(esc(Self.href(table.id, rest)))\" aria-label=\"Remove \(esc(pair.0))\">✕</a>"
            }.joined(separator: " · ")
            form += " · <a href=\"/table/\(id)\">clear all</a></p>"
        }
        return form
    }

    private func chart(
        _ answer: (columns: [(name: String, type: String)], rows: [[String: Any]], next: String?, total: Int?)
    )
        -> String
    {
        guard answer.columns.count >= 2 else { return "" }
        let label = answer.columns.dropLast(answer.columns.count - 1).map(\.name)
        let measure = answer.columns[answer.columns.count - 1].name
        let bars = answer.rows.prefix(50).map { row -> (String, Double) in
            let name = label.map { row[$0].map { "\($0)" } ?? "" }.joined(separator: " · ")
            return (row[label[0]] is NSNull ? "(empty)" : name, (row[measure] as? NSNumber)?.doubleValue ?? 0)
        }
        guard let largest = bars.map(\.1).max(), largest > 0 else { return "" }
        let rowHeight = 22
        let height = bars.count * rowHeight + 10
        var svg = "<h2 id=\"chart\">Chart: \(esc(measure)) by \(esc(label.joined(separator: ", ")))</h2>"
        svg +=
            "<svg class=\"chart\" role=\"img\" aria-label=\"Bar chart of \(esc(measure)) by \(esc(label[0]))\" viewBox=\"0 0 720 \(height)\" width=\"720\" height=\"\(height)\">"
        for (i, bar) in bars.enumerated() {
            let y = i * rowHeight + 5
            let width = Int((bar.1 / largest) * 420)
            svg += "<text x=\"190\" y=\"\(y + 15)\" text-anchor=\"end\" font-size=\"13\">\(esc(String(bar.0.prefix(28))))</text>"
            svg += "<rect x=\"200\" y=\"\(y + 3)\" width=\"\(max(width, 1))\" height=\"16\" fill=\"#2f6f4f\"></rect>"
            let value = bar.1 == bar.1.rounded() ? String(Int64(bar.1)) : String(format: "%.2f", bar.1)
            svg += "<text x=\"\(205 + width)\" y=\"\(y + 15)\" font-size=\"12\">\(value)</text>"
        }
        return svg + "</svg>"
    }

    private func map(version: TableVersion, filters: [(String, String)]) async throws -> String {
        guard let geo = version.geo else { return "" }
        let points: [[String: Any]]
        do {
            points = try await run(
                filters.filter { $0.0 != "_after" } + [("_fields", "\(geo.latitude),\(geo.longitude)"), ("_size", String(Self.mapPoints))],
                version: version
            ).rows
        } catch is Problem {
            return ""
        }
        let coordinates = points.compactMap { row -> (Double, Double)? in
            guard let lat = (row[geo.latitude] as? NSNumber)?.doubleValue, let lon = (row[geo.longitude] as? NSNumber)?.doubleValue
            else { return nil }
            return (lat, lon)
        }
        guard !coordinates.isEmpty else { return "<h2 id=\"map\">Map</h2><p>No rows with a place match.</p>" }
        var south = coordinates.map(\.0).min()!
        var north = coordinates.map(\.0).max()!
        var west = coordinates.map(\.1).min()!
        var east = coordinates.map(\.1).max()!
        if north - south < 0.002 {
            south -= 0.001
            north += 0.001
        }
        if east - west < 0.002 {
            west -= 0.001
            east += 0.001
        }
        // Equirectangular, with longitudes shrunk by the cosine of the middle latitude so shapes look right.
        let squash = cos((south + north) / 2 * .pi / 180)
        let widthDegrees = (east - west) * squash
        let heightDegrees = north - south
        let width = 720.0
        let height = min(540, max(200, width * heightDegrees / max(widthDegrees, 1e-9)))
        let scale = min((width - 20) / max(widthDegrees, 1e-9), (height - 20) / heightDegrees)
        var svg = "<h2 id=\"map\">Map</h2>"
        svg +=
            "<svg class=\"map\" role=\"img\" aria-label=\"Map of \(coordinates.count) places\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\">"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"#eef3ef\"></rect>"
        for (lat, lon) in coordinates {
            let x = 10 + (lon - west) * squash * scale
            let y = 10 + (north - lat) * scale
            svg +=
                "<circle cx=\"\(String(format: "%.1f", x))\" cy=\"\(String(format: "%.1f", y))\" r=\"2.5\" fill=\"#b5462f\" fill-opacity=\"0.6\"></circle>"
        }
        svg += "</svg>"
        svg +=
            "<p class=\"meta\">\(coordinates.count) places\(coordinates.count == Self.mapPoints ? " (the first \(Self.mapPoints))" : ""); "
        svg += String(format: "latitude %.4f to %.4f, longitude %.4f to %.4f.", south, north, west, east) + "</p>"
        return svg
    }

    private func columnsTable(_ version: TableVersion) -> String {
        var out = "<h2 id=\"columns\">Columns</h2><table><thead><tr><th scope=\"col\">Column</th><th scope=\"col\">Type</th>"
        out += "<th scope=\"col\">Empty cells</th><th scope=\"col\">Smallest</th><th scope=\"col\">Largest</th></tr></thead><tbody>"
        for column in version.columns {
            out += "<tr><td>\(esc(column.name))</td><td>\(column.type.rawValue)\(column.exact ? " (exact)" : "")</td>"
            out +=
                "<td>\(column.nulls)</td><td>\(esc(String((column.min ?? "—").prefix(60))))</td><td>\(esc(String((column.max ?? "—").prefix(60))))</td></tr>"
        }
        return out + "</tbody></table>"
    }

    private func versionsList(_ table: DataTable) async throws -> String {
        let versions = try await tables.versions(tableID: table.id)
        var out = "<h2 id=\"versions\">Versions</h2><table><thead><tr><th scope=\"col\">Version</th><th scope=\"col\">Loaded</th>"
        out += "<th scope=\"col\">Rows</th><th scope=\"col\">Source</th><th scope=\"col\">SHA-256</th></tr></thead><tbody>"
        for v in versions {
            out += "<tr><td>\(v.version)</td><td>\(esc(Timestamp.string(v.created)))</td><td>\(v.rowCount)</td>"
            out += "<td>\(esc(v.sourceName)) (\(formatBytes(v.byteSize)))</td><td class=\"meta\">\(esc(v.checksum))</td></tr>"
        }
        return out + "</tbody></table>"
    }
}
