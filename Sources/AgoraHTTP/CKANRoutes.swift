import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import AgoraTables
import Foundation
import Hummingbird
import NIOCore

/// CKAN's Action API v3 at /api/3/action/NAME and /api/action/NAME, in CKAN's envelope and with its
/// error types, over the same catalogue services as the native API.
struct CKANRoutes {
    let catalog: CatalogService
    let tables: TableService
    let blobs: BlobStore
    let configuration: AgoraConfiguration

    struct Envelope<Result: Encodable>: Encodable {
        var help: String
        var success = true
        var result: Result
    }

    struct ErrorEnvelope: Encodable {
        var help: String
        var success = false
        var error: [String: ErrorValue]
    }

    enum ErrorValue: Encodable {
        case text(String)
        case list([String])
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .text(let t): try c.encode(t)
            case .list(let l): try c.encode(l)
            }
        }
    }

    /// A CKAN error: its `__type`, status and message (validation errors also name fields).
    struct Failure: Error {
        var type: String
        var status: HTTPResponse.Status
        var message: String
        var fields: [String: [String]] = [:]

        static func badRequest(_ message: String) -> Failure { Failure(type: "Bad Request", status: .badRequest, message: message) }
        static func searchQuery(_ message: String) -> Failure {
            Failure(type: "Search Query Error", status: .badRequest, message: "Search Query is invalid: \(message)")
        }

        init(type: String, status: HTTPResponse.Status, message: String, fields: [String: [String]] = [:]) {
            self.type = type
            self.status = status
            self.message = message
            self.fields = fields
        }

        /// The native problem in CKAN's words.
        init(_ problem: Problem) {
            switch problem.kind {
            case .notFound, .gone: self.init(type: "Not Found Error", status: .notFound, message: "Not found: \(problem.detail)")
            case .unauthorized, .forbidden:
                self.init(type: "Authorization Error", status: .forbidden, message: "Access denied: \(problem.detail)")
            case .validation, .unknownLicence, .conflict, .invalidFile, .unknownFields:
                var fields: [String: [String]] = [:]
                for error in problem.errors { fields[error.field, default: []].append(error.message) }
                self.init(type: "Validation Error", status: .conflict, message: problem.detail, fields: fields)
            case .payloadTooLarge: self.init(type: "Validation Error", status: .contentTooLarge, message: problem.detail)
            default: self.init(type: "Bad Request", status: .badRequest, message: problem.detail)
            }
        }
    }

    static let maxRows = 1000
    static let readActions: Set<String> = [
        "status_show", "help_show", "package_list", "package_show", "package_search", "organization_list", "organization_show",
        "group_list", "group_show", "tag_list", "license_list", "resource_show", "datastore_search", "datastore_search_sql",
    ]

    func addRoutes(to routes: inout RouteTable) {
        let limit = configuration.maxBodyBytes
        for prefix in ["/api/3/action", "/api/action"] {
            for method in [HTTPRequest.Method.get, .post] {
                routes.on(method, "\(prefix)/{action}") { request, context in
                    let action = try context.parameters.require("action")
                    let site = Self.siteURL(request)
                    let help = "\(site)/api/3/action/help_show?name=\(action)"
                    do {
                        var parameters: [String: JSONValueLike] = [:]
                        var raw: [String: Any] = [:]
                        var upload: Upload?
                        for (key, value) in TableRoutes.parameters(request.uri.query) { parameters[key] = .string(value) }
                        if method == .post {
                            let contentType = request.headers[.contentType] ?? ""
                            if let multipart = MultipartReader(contentType: contentType) {
                                let (fields, file) = try await readMultipart(request, reader: multipart)
                                upload = file
                                for (key, value) in fields {
                                    parameters[key] = .string(value)
                                    raw[key] = value
                                }
                            } else if contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") {
                                let body = try await request.body.collect(upTo: limit)
                                for (key, value) in TableRoutes.parameters(String(buffer: body)) {
                                    parameters[key] = .string(value)
                                    raw[key] = value
                                }
                            } else {
                                let body = try await request.body.collect(
                                    upTo: Self.datastoreWriteActions.contains(action) ? max(limit, 32 << 20) : limit)
                                if body.readableBytes > 0 {
                                    guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
                                        throw Failure.badRequest("Bad request - JSON Error: the body is not a JSON object.")
                                    }
                                    for (key, value) in object { parameters[key] = JSONValueLike(value) }
                                    raw = object
                                }
                            }
                        }
                        let result = try await run(
                            action, parameters: parameters, site: site, identity: context.identity, raw: raw, upload: upload)
                        return try Self.reply(Envelope(help: help, result: result), status: .ok)
                    } catch let failure as Failure {
                        return try Self.failure(failure, help: help)
                    } catch let problem as Problem {
                        return try Self.failure(Failure(problem), help: help)
                    } catch {
                        return try Self.failure(
                            Failure(type: "Internal Error", status: .internalServerError, message: "Internal error"), help: help)
                    }
                }
            }
        }
    }

    /// A file sent as the `upload` part of a multipart request, already in the blob store.
    struct Upload {
        var blob: BlobReference
        var fileName: String
        var mediaType: String?
    }

    /// The form fields of a multipart request, with its `upload` file streamed into the blob store.
    func readMultipart(_ request: Request, reader: MultipartReader) async throws -> ([String: String], Upload?) {
        let maxBytes = configuration.maxUploadBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes {
            throw Problem(.payloadTooLarge, "The request is \(length) bytes; the upload limit is \(maxBytes) bytes.")
        }
        var writer: BlobUpload?
        var head: MultipartReader.PartHead?
        do {
            let fields = try await reader.read(
                request.body,
                file: { part in
                    guard part.name == "upload", writer == nil else {
                        throw Problem.badRequest("Send one file, in the form field named upload.", field: part.name)
                    }
                    head = part
                    writer = try blobs.begin()
                },
                bytes: { piece in
                    guard let upload = writer else { return }
                    if upload.byteCount + piece.count > maxBytes {
                        throw Problem(.payloadTooLarge, "The file is larger than the upload limit of \(maxBytes) bytes.")
                    }
                    try upload.write(Data(piece))
                })
            guard let upload = writer, let head else { return (fields, nil) }
            if upload.byteCount == 0 { throw Problem.badRequest("The uploaded file is empty.", field: "upload") }
            let blob = try upload.finish()
            let fileName = (head.fileName ?? "").split(separator: "/").last.map(String.init) ?? ""
            let mediaType = head.contentType.flatMap { $0.isEmpty || $0 == "application/octet-stream" ? nil : $0 }
            return (fields, Upload(blob: blob, fileName: fileName.isEmpty ? "upload" : fileName, mediaType: mediaType))
        } catch {
            writer?.abort()
            throw error
        }
    }

    static func siteURL(_ request: Request) -> String {
        "http://" + (request.head.authority ?? "127.0.0.1")
    }

    static func reply<T: Encodable>(_ value: T, status: HTTPResponse.Status) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json;charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: try AgoraJSON.encodeString(value))))
    }

    static func failure(_ failure: Failure, help: String) throws -> Response {
        var error: [String: ErrorValue] = ["__type": .text(failure.type), "message": .text(failure.message)]
        for (field, messages) in failure.fields where field != "__type" && field != "message" { error[field] = .list(messages) }
        return try reply(ErrorEnvelope(help: help, error: error), status: failure.status)
    }

    /// A request parameter: query strings give text, JSON bodies any value.
    enum JSONValueLike {
        case string(String)
        case number(Double)
        case bool(Bool)
        case list([String])
        case object([String: Any])
        case other

        init(_ value: Any) {
            // JSON numbers arrive as NSNumber, which also converts to Bool; only true and false are booleans.
            if type(of: value) == Bool.self, let b = value as? Bool {
                self = .bool(b)
                return
            }
            switch value {
            case let s as String: self = .string(s)
            case let n as NSNumber: self = String(cString: n.objCType) == "c" ? .bool(n.boolValue) : .number(n.doubleValue)
            case let l as [Any]: self = .list(l.map { "\($0)" })
            case let o as [String: Any]: self = .object(o)
            default: self = .other
            }
        }

        var text: String? {
            switch self {
            case .string(let s): s
            case .number(let n): n == n.rounded() ? String(Int(n)) : String(n)
            case .bool(let b): b ? "true" : "false"
            default: nil
            }
        }
    }

    private func run(
        _ action: String, parameters: [String: JSONValueLike], site: String, identity: Identity?, raw: [String: Any], upload: Upload?
    ) async throws -> AnyEncodable {
        if Self.datastoreWriteActions.contains(action) {
            return try await datastoreWrite(
                action, body: raw.isEmpty ? parameters.compactMapValues(\.text) : raw, site: site, identity: identity)
        }
        if Self.writeActions.contains(action) {
            return try await write(
                action, body: raw.isEmpty ? parameters.compactMapValues(\.text) : raw, site: site, identity: identity, upload: upload)
        }
        switch action {
        case "status_show":
            struct Status: Encodable {
                var ckan_version = "2.10.4"
                var site_title: String
                var site_url: String
                var site_description = "An Agora city data hub"
                var locale_default = "en"
                var extensions = ["agora", "datastore"]
            }
            return AnyEncodable(Status(site_title: configuration.siteName, site_url: site))
        case "help_show":
            let name = parameters["name"]?.text ?? ""
            guard Self.readActions.contains(name) else {
                throw Failure(type: "Not Found Error", status: .notFound, message: "Action function not found")
            }
            return AnyEncodable("CKAN Action API: \(name), served by Agora. See /api/v1/openapi.json for the native API.")
        case "package_list":
            let (limit, offset) = try Self.paging(parameters, defaultLimit: 100_000, max: 100_000)
            return AnyEncodable(try await catalog.store.datasetSlugs(offset: offset, limit: limit))
        case "package_show":
            guard let id = parameters["id"]?.text ?? parameters["name"]?.text, !id.isEmpty else {
                throw Failure(type: "Validation Error", status: .conflict, message: "Missing value", fields: ["id": ["Missing value"]])
            }
            let dataset = try await findDataset(id)
            return AnyEncodable(try await package(dataset, site: site))
        case "package_search":
            return AnyEncodable(try await search(parameters, site: site))
        case "organization_list":
            let allFields = parameters["all_fields"]?.text == "true"
            let publishers = try await catalog.publishers().sorted { $0.publisher.slug < $1.publisher.slug }
            if allFields {
                return AnyEncodable(publishers.map { CKAN.Organization($0.publisher, packageCount: $0.datasetCount) })
            }
            return AnyEncodable(publishers.map(\.publisher.slug))
        case "organization_show":
            let id = parameters["id"]?.text ?? ""
            let publishers = try await catalog.publishers()
            guard let found = publishers.first(where: { $0.publisher.slug == id || $0.publisher.id == id }) else {
                throw Failure(type: "Not Found Error", status: .notFound, message: "Not found: organization '\(id)'")
            }
            return AnyEncodable(CKAN.Organization(found.publisher, packageCount: found.datasetCount))
        case "group_list", "group_show":
            let counts = try await catalog.search(DatasetQuery(limit: 0, facetLimit: 100)).facets[.theme] ?? []
            func count(_ code: String) -> Int { counts.first { $0.value.uppercased() == code }?.count ?? 0 }
            let groups = Vocabularies.themes.map { CKAN.Group(code: $0.code, label: $0.label, packageCount: count($0.code)) }
            if action == "group_show" {
                let id = (parameters["id"]?.text ?? "").lowercased()
                guard let group = groups.first(where: { $0.name == id }) else {
                    throw Failure(type: "Not Found Error", status: .notFound, message: "Not found: group '\(id)'")
                }
                return AnyEncodable(group)
            }
            if parameters["all_fields"]?.text == "true" { return AnyEncodable(groups) }
            return AnyEncodable(groups.map(\.name))
        case "tag_list":
            let tags = try await catalog.search(DatasetQuery(limit: 0, facetLimit: 1000)).facets[.tag] ?? []
            return AnyEncodable(tags.map(\.value).sorted())
        case "license_list":
            struct License: Encodable {
                var id: String
                var title: String
                var url: String
                var od_conformance: String
                var status = "active"
            }
            return AnyEncodable(
                catalog.licences.all.map {
                    License(id: $0.id, title: $0.title, url: $0.url, od_conformance: $0.isOpen ? "approved" : "not reviewed")
                })
        case "resource_show":
            let id = parameters["id"]?.text ?? ""
            let (dataset, position) = try await findResource(id)
            let tabulated = try await tables.store.table(distributionID: id)?.current != nil
            return AnyEncodable(
                CKAN.Resource(
                    dataset.distributions[position], datasetID: dataset.id, position: position, siteURL: site,
                    datastoreActive: tabulated))
        case "datastore_search":
            return AnyEncodable(try await datastoreSearch(parameters))
        case "datastore_search_sql":
            return AnyEncodable(try await datastoreSearchSQL(parameters))
        default:
            throw Failure.badRequest("Bad request - Action name not known: \(action)")
        }
    }

    static let writeActions: Set<String> = [
        "package_create", "package_update", "package_patch", "package_delete", "organization_create", "resource_create",
        "resource_update", "resource_patch", "resource_delete",
    ]

    /// CKAN's dataset dict as the native input, with `owner_org` (an id or a name) made a publisher slug.
    private func datasetInput(_ body: [String: Any], present: inout Set<String>) async throws -> DatasetInput {
        var input = CKAN.datasetInput(body, present: &present)
        if let org = input.publisher {
            // Publisher records only: counting every publisher's datasets is not needed to resolve a name.
            let publishers = try await catalog.store.publishers()
            input.publisher = publishers.first { $0.id == org || $0.slug == org }?.slug ?? org
        }
        return input
    }

    private func write(
        _ action: String, body: [String: Any], site: String, identity: Identity?, upload: Upload?
    ) async throws -> AnyEncodable {
        guard identity != nil else {
            throw Failure(
                type: "Authorization Error", status: .forbidden,
                message: "Access denied: \(action) needs an API token (Authorization or X-CKAN-API-Key).")
        }
        switch action {
        case "package_create":
            var present = Set<String>()
            var input = try await datasetInput(body, present: &present)
            // A new dataset's resources are new here: ids from another hub are not kept.
            input.distributions = input.distributions?.map {
                var d = $0
                d.id = nil
                return d
            }
            let created = try await catalog.createDataset(input, id: body["id"] as? String, by: identity)
            for distribution in created.distributions {
                _ = await tables.autoLoad(slug: created.slug, distribution: distribution, by: identity)
            }
            return AnyEncodable(try await package(created, site: site))
        case "package_update", "package_patch":
            let id = (body["id"] as? String) ?? (body["name"] as? String) ?? ""
            let existing = try await findDataset(id)
            var present = Set<String>()
            var input = try await datasetInput(body, present: &present)
            let dataset: Dataset
            if action == "package_update" {
                if input.publisher == nil { input.publisher = existing.publisher }
                if input.slug == nil { input.slug = existing.slug }
                dataset = try await catalog.replaceDataset(slug: existing.slug, input, by: identity)
            } else {
                dataset = try await catalog.patchDataset(slug: existing.slug, input, presentFields: present, by: identity)
            }
            // Resources that are new, or whose link changed, are loaded as CKAN's xloader would.
            let before = Dictionary(existing.distributions.map { ($0.id, $0.url) }, uniquingKeysWith: { a, _ in a })
            for distribution in dataset.distributions where before[distribution.id] != distribution.url {
                _ = await tables.autoLoad(slug: dataset.slug, distribution: distribution, by: identity)
            }
            return AnyEncodable(try await package(dataset, site: site))
        case "package_delete":
            let existing = try await findDataset((body["id"] as? String) ?? "")
            try await catalog.deleteDataset(slug: existing.slug, by: identity)
            return AnyEncodable(Optional<String>.none)
        case "organization_create":
            let input = PublisherInput(
                slug: body["name"] as? String, title: (body["title"] as? String) ?? (body["name"] as? String),
                description: body["description"] as? String)
            let publisher = try await catalog.createPublisher(input, id: body["id"] as? String, by: identity)
            return AnyEncodable(CKAN.Organization(publisher, packageCount: 0))
        case "resource_create":
            let dataset = try await findDataset((body["package_id"] as? String) ?? "")
            var distribution: Distribution
            if let upload {
                distribution = try await catalog.addUploadedDistribution(
                    slug: dataset.slug, blob: upload.blob, title: body["name"] as? String, fileName: upload.fileName,
                    mediaType: upload.mediaType, by: identity)
                let input = CKAN.distributionInput(body)
                if input.description != nil || input.format != nil {
                    distribution = try await catalog.updateDistribution(
                        slug: dataset.slug, id: distribution.id,
                        DistributionInput(description: input.description, format: input.format),
                        presentFields: Set(["description", "format"].filter { body[$0] != nil }),
                        by: identity)
                }
            } else {
                distribution = try await catalog.addDistribution(slug: dataset.slug, CKAN.distributionInput(body), by: identity)
            }
            let active = await tables.autoLoad(slug: dataset.slug, distribution: distribution, by: identity)
            let updated = try await catalog.dataset(slug: dataset.slug)
            let position = updated.distributions.firstIndex { $0.id == distribution.id } ?? 0
            return AnyEncodable(
                CKAN.Resource(distribution, datasetID: dataset.id, position: position, siteURL: site, datastoreActive: active))
        case "resource_update", "resource_patch":
            let id = (body["id"] as? String) ?? ""
            let (dataset, position) = try await findResource(id)
            var input = CKAN.distributionInput(body)
            var present: Set<String>? = nil
            if action == "resource_patch" {
                present = Set(
                    [
                        "name": "title", "description": "description", "url": "url", "mimetype": "media_type", "format": "format",
                        "size": "byte_size",
                    ].compactMap { body[$0.key] != nil ? $0.value : nil })
            } else if input.url == nil {
                input.url = dataset.distributions[position].uploaded ? nil : dataset.distributions[position].url
            }
            var updated = try await catalog.updateDistribution(slug: dataset.slug, id: id, input, presentFields: present, by: identity)
            if let upload {
                updated = try await catalog.replaceUploadedFile(slug: dataset.slug, id: id, blob: upload.blob, by: identity)
            }
            let changedData = upload != nil || (present?.contains("url") ?? true) && updated.url != dataset.distributions[position].url
            let tabulated =
                changedData
                ? await tables.autoLoad(slug: dataset.slug, distribution: updated, by: identity)
                : try await tables.store.table(distributionID: id)?.current != nil
            return AnyEncodable(
                CKAN.Resource(updated, datasetID: dataset.id, position: position, siteURL: site, datastoreActive: tabulated))
        default:  // resource_delete
            let id = (body["id"] as? String) ?? ""
            let (dataset, _) = try await findResource(id)
            try await catalog.deleteDistribution(slug: dataset.slug, id: id, by: identity)
            return AnyEncodable(Optional<String>.none)
        }
    }

    static func paging(_ parameters: [String: JSONValueLike], defaultLimit: Int, max: Int) throws -> (Int, Int) {
        let limit =
            try parameters["limit"]?.text.map { text -> Int in
                guard let value = Int(text), value >= 0, value <= max else {
                    throw Failure(
                        type: "Validation Error", status: .conflict, message: "limit must be from 0 to \(max)",
                        fields: ["limit": ["Invalid integer"]])
                }
                return value
            } ?? defaultLimit
        let offset =
            try parameters["offset"]?.text.map { text -> Int in
                guard let value = Int(text), value >= 0 else {
                    throw Failure(
                        type: "Validation Error", status: .conflict, message: "offset must be 0 or more",
                        fields: ["offset": ["Invalid integer"]])
                }
                return value
            } ?? 0
        return (limit, offset)
    }

    func findDataset(_ id: String) async throws -> Dataset {
        if let dataset = try await catalog.store.dataset(slug: id), dataset.state == .active { return dataset }
        // CKAN clients also ask by id.
        if let dataset = try await catalog.store.dataset(id: id), dataset.state == .active { return dataset }
        throw Failure(type: "Not Found Error", status: .notFound, message: "Not found")
    }

    func findResource(_ id: String) async throws -> (Dataset, Int) {
        guard !id.isEmpty else {
            throw Failure(type: "Validation Error", status: .conflict, message: "Missing value", fields: ["id": ["Missing value"]])
        }
        if let dataset = try await catalog.store.dataset(distributionID: id), dataset.state == .active,
            let position = dataset.distributions.firstIndex(where: { $0.id == id })
        {
            return (dataset, position)
        }
        throw Failure(type: "Not Found Error", status: .notFound, message: "Not found: Resource was not found.")
    }

    private func package(_ dataset: Dataset, site: String, publishers: [String: Publisher]? = nil) async throws -> CKAN.Package {
        let publisher: Publisher?
        if let publishers {
            publisher = publishers[dataset.publisher]
        } else {
            publisher = try await catalog.store.publisher(slug: dataset.publisher)
        }
        let tabulated = Set(try await tables.tables(datasetID: dataset.id).filter { $0.current != nil }.map(\.distributionID))
        return CKAN.Package(dataset, publisher: publisher, licences: catalog.licences, siteURL: site, tabulated: tabulated)
    }

    struct SearchResult: Encodable {
        var count: Int
        var sort: String
        var results: [CKAN.Package]
        var facets: [String: [String: Int]]
        var search_facets: [String: SearchFacet]
    }

    struct SearchFacet: Encodable {
        var title: String
        var items: [Item]
        struct Item: Encodable {
            var name: String
            var display_name: String
            var count: Int
        }
    }

    static let searchParameters: Set<String> = [
        "q", "fq", "rows", "start", "sort", "facet", "facet.field", "facet.limit", "facet.mincount", "include_private",
        "include_drafts", "fl",
    ]

    private func search(_ parameters: [String: JSONValueLike], site: String) async throws -> SearchResult {
        if let unknown = parameters.keys.filter({ !Self.searchParameters.contains($0) }).sorted().first {
            throw Failure.searchQuery("unknown parameter '\(unknown)'")
        }
        var query = DatasetQuery()
        let text = parameters["q"]?.text ?? ""
        if !text.isEmpty && text != "*:*" { query.text = text }
        if let fq = parameters["fq"]?.text { try Self.applyFilter(fq, to: &query) }
        let rows = parameters["rows"]?.text ?? "10"
        guard let rowCount = Int(rows), rowCount >= 0, rowCount <= Self.maxRows else {
            throw Failure.searchQuery("rows must be a whole number from 0 to \(Self.maxRows)")
        }
        let startText = parameters["start"]?.text ?? "0"
        guard let start = Int(startText), start >= 0 else { throw Failure.searchQuery("start must be a whole number, 0 or more") }
        let sort = parameters["sort"]?.text ?? "score desc, metadata_modified desc"
        switch sort.lowercased().split(separator: ",").first.map({ $0.trimmingCharacters(in: .whitespaces) }) ?? "" {
        case "score desc": query.sort = query.text == nil ? .modified : .relevance
        case "metadata_modified desc": query.sort = .modified
        case "metadata_modified asc": query.sort = .modifiedAscending
        case "metadata_created desc": query.sort = .created
        case "title_string asc", "name asc", "title asc": query.sort = .title
        default:
            throw Failure.searchQuery(
                "sort '\(sort)' is not supported; use score desc, metadata_modified desc, metadata_modified asc, metadata_created desc or title_string asc"
            )
        }
        query.limit = rowCount
        query.offset = start
        var fields = Array(CKAN.facetFields.keys).sorted()
        if let given = parameters["facet.field"] {
            switch given {
            case .list(let list): fields = list
            default:
                let text = given.text ?? ""
                guard let data = text.data(using: .utf8), let list = try? JSONSerialization.jsonObject(with: data) as? [String] else {
                    throw Failure.searchQuery("facet.field must be a JSON list of field names, such as [\"organization\",\"tags\"]")
                }
                fields = list
            }
        }
        if let unknown = fields.first(where: { CKAN.facetFields[$0] == nil }) {
            throw Failure.searchQuery("facet.field '\(unknown)' is not one of \(CKAN.facetFields.keys.sorted().joined(separator: ", "))")
        }
        let facetLimit = Int(parameters["facet.limit"]?.text ?? "50") ?? 50
        let mincount = Int(parameters["facet.mincount"]?.text ?? "1") ?? 1
        query.facetLimit = facetLimit < 0 ? 1000 : min(facetLimit, 1000)

        let result = try await catalog.search(query)
        let publishers = Dictionary(
            try await catalog.store.publishers().map { ($0.slug, $0) }, uniquingKeysWith: { a, _ in a })
        var packages: [CKAN.Package] = []
        for document in result.documents {
            packages.append(try await package(try AgoraJSON.decode(Dataset.self, from: document), site: site, publishers: publishers))
        }
        var facets: [String: [String: Int]] = [:]
        var searchFacets: [String: SearchFacet] = [:]
        for field in fields {
            guard let facet = CKAN.facetFields[field] else { continue }
            let values = (result.facets[facet] ?? []).filter { $0.count >= mincount }
            func name(_ value: String) -> String { facet == .theme ? value.lowercased() : value }
            facets[field] = Dictionary(values.map { (name($0.value), $0.count) }, uniquingKeysWith: +)
            searchFacets[field] = SearchFacet(
                title: field,
                items: values.map { value in
                    let display = facet == .publisher ? publishers[value.value]?.title ?? value.value : value.value
                    return .init(name: name(value.value), display_name: display, count: value.count)
                })
        }
        return SearchResult(count: result.total, sort: sort, results: packages, facets: facets, search_facets: searchFacets)
    }

    /// CKAN's filter query, as far as Agora's search answers it: `field:value` terms joined by
    /// spaces or AND, values optionally quoted, and `metadata_modified:[DATE TO *]`.
    static func applyFilter(_ fq: String, to query: inout DatasetQuery) throws {
        var rest = Substring(fq)
        func skipSpace() { while let c = rest.first, c == " " { rest.removeFirst() } }
        while true {
            skipSpace()
            if rest.isEmpty { break }
            if rest.hasPrefix("AND ") {
                rest.removeFirst(4)
                continue
            }
            guard let colon = rest.firstIndex(of: ":") else { throw Failure.searchQuery("'\(rest)' in fq is not a field:value term") }
            let field = String(rest[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "+"))
            rest = rest[rest.index(after: colon)...]
            var value: String
            if rest.first == "\"" {
                rest.removeFirst()
                guard let end = rest.firstIndex(of: "\"") else { throw Failure.searchQuery("a quoted value in fq is not closed") }
                value = String(rest[..<end])
                rest = rest[rest.index(after: end)...]
            } else if rest.first == "[" {
                guard let end = rest.firstIndex(of: "]") else { throw Failure.searchQuery("a range in fq is not closed") }
                value = String(rest[...end])
                rest = rest[rest.index(after: end)...]
            } else {
                let end = rest.firstIndex(of: " ") ?? rest.endIndex
                value = String(rest[..<end])
                rest = rest[end...]
            }
            switch field {
            case "organization", "owner_org": query.publisher = value
            case "tags": query.tags.append(value)
            case "groups": query.themes.append(value.uppercased())
            case "license_id": query.licence = value
            case "res_format": query.format = value
            case "metadata_modified":
                let parts = value.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).components(separatedBy: " TO ")
                guard value.hasPrefix("["), parts.count == 2, parts[1] == "*",
                    let since = Timestamp.parse(parts[0]) ?? Timestamp.parse(parts[0] + "Z")
                else {
                    throw Failure.searchQuery("metadata_modified takes a range [DATE TO *]; '\(value)' is not one")
                }
                query.modifiedSince = since
            default:
                throw Failure.searchQuery(
                    "fq field '\(field)' is not supported; use organization, tags, groups, license_id, res_format or metadata_modified")
            }
        }
    }
}

/// Wraps any encodable result for the envelope.
struct AnyEncodable: Encodable {
    let encodeValue: (any Encoder) throws -> Void
    init<T: Encodable>(_ value: T) { encodeValue = { try value.encode(to: $0) } }
    func encode(to encoder: any Encoder) throws { try encodeValue(encoder) }
}
