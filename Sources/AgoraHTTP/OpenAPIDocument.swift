import Foundation

/// The OpenAPI 3.1 description of every route. A test compares it with the routes really served.
enum OpenAPIDocument {
    struct Operation {
        var method: String
        var path: String
        var summary: String
        var tag: String
        var query: [(name: String, description: String, type: String)] = []
        var body: String? = nil
        var bodyType: String = "application/json"
        var response: String? = nil
        var status: String = "200"
        var auth: Bool = false
    }

    static let operations: [Operation] = [
        .init(method: "GET", path: "/health", summary: "Liveness and store reachability", tag: "system"),
        .init(method: "GET", path: "/metrics", summary: "Prometheus metrics: request counts and latencies", tag: "system"),
        .init(method: "GET", path: "/api/v1/openapi.json", summary: "This document", tag: "system"),
        .init(
            method: "GET", path: "/api/v1/publishers", summary: "List publishers with dataset counts", tag: "publishers",
            response: "PublisherList"),
        .init(
            method: "POST", path: "/api/v1/publishers", summary: "Create a publisher (site admin)", tag: "publishers",
            body: "PublisherInput", response: "Publisher", status: "201", auth: true),
        .init(method: "GET", path: "/api/v1/publishers/{slug}", summary: "Show a publisher", tag: "publishers", response: "Publisher"),
        .init(
            method: "PUT", path: "/api/v1/publishers/{slug}", summary: "Replace a publisher's description", tag: "publishers",
            body: "PublisherInput", response: "Publisher", auth: true),
        .init(
            method: "PATCH", path: "/api/v1/publishers/{slug}", summary: "Change some of a publisher's fields", tag: "publishers",
            body: "PublisherInput", response: "Publisher", auth: true),
        .init(method: "GET", path: "/api/v1/publishers/{slug}/members", summary: "List a publisher's members", tag: "people"),
        .init(
            method: "PUT", path: "/api/v1/publishers/{slug}/members/{account}",
            summary: "Add a member or change their role (publisher admin)", tag: "people", body: "MemberRole", auth: true),
        .init(
            method: "DELETE", path: "/api/v1/publishers/{slug}/members/{account}", summary: "Remove a member (publisher admin)",
            tag: "people", status: "204", auth: true),
        .init(
            method: "GET", path: "/api/v1/datasets", summary: "Search datasets, with facets", tag: "datasets",
            query: [
                ("q", "Words to search for in title, description, tags and publisher name", "string"),
                ("publisher", "Publisher slug", "string"), ("tag", "Tag (repeatable, all must match)", "string"),
                ("theme", "EU data theme code (repeatable)", "string"), ("licence", "Licence id", "string"),
                ("format", "Distribution format, e.g. CSV", "string"), ("open", "Only open (true) or not open (false) data", "boolean"),
                ("modified_since", "RFC 3339 timestamp or date", "string"),
                ("sort", "relevance, modified, created or title", "string"), ("page", "Page number from 1", "integer"),
                ("per_page", "Results per page, 1 to 100", "integer"), ("facet_limit", "Values per facet, 1 to 100", "integer"),
            ], response: "SearchResult"),
        .init(
            method: "POST", path: "/api/v1/datasets", summary: "Create a dataset (publisher editor)", tag: "datasets", body: "DatasetInput",
            response: "Dataset", status: "201", auth: true),
        .init(method: "GET", path: "/api/v1/datasets/{slug}", summary: "Show a dataset", tag: "datasets", response: "Dataset"),
        .init(
            method: "PUT", path: "/api/v1/datasets/{slug}", summary: "Replace a dataset's description (distributions left out are kept)",
            tag: "datasets", body: "DatasetInput", response: "Dataset", auth: true),
        .init(
            method: "PATCH", path: "/api/v1/datasets/{slug}", summary: "Change some fields; null clears a field", tag: "datasets",
            body: "DatasetInput", response: "Dataset", auth: true),
        .init(
            method: "DELETE", path: "/api/v1/datasets/{slug}", summary: "Delete a dataset (soft: its history remains)", tag: "datasets",
            status: "204", auth: true),
        .init(
            method: "GET", path: "/api/v1/datasets/{slug}/history", summary: "The dataset's change-log entries, newest first",
            tag: "datasets", response: "ChangeList"),
        .init(
            method: "GET", path: "/api/v1/datasets/{slug}/distributions", summary: "List a dataset's distributions", tag: "distributions"),
        .init(
            method: "POST", path: "/api/v1/datasets/{slug}/distributions",
            summary: "Add a link (JSON body) or upload a file (any other content type, with ?file_name=)", tag: "distributions",
            query: [("file_name", "Name of the uploaded file", "string"), ("title", "Title of the uploaded distribution", "string")],
            body: "DistributionInput", response: "Distribution", status: "201", auth: true),
        .init(
            method: "GET", path: "/api/v1/datasets/{slug}/distributions/{id}", summary: "Show a distribution", tag: "distributions",
            response: "Distribution"),
        .init(
            method: "PUT", path: "/api/v1/datasets/{slug}/distributions/{id}", summary: "Replace a distribution", tag: "distributions",
            body: "DistributionInput", response: "Distribution", auth: true),
        .init(
            method: "PATCH", path: "/api/v1/datasets/{slug}/distributions/{id}", summary: "Change some of a distribution's fields",
            tag: "distributions", body: "DistributionInput", response: "Distribution", auth: true),
        .init(
            method: "DELETE", path: "/api/v1/datasets/{slug}/distributions/{id}", summary: "Remove a distribution", tag: "distributions",
            status: "204", auth: true),
        .init(
            method: "GET", path: "/api/v1/datasets/{slug}/distributions/{id}/download",
            summary: "Download an uploaded file (or be redirected to a link)", tag: "distributions"),
        .init(
            method: "GET", path: "/api/v1/datasets/{slug}/tables", summary: "The tables made from a dataset's files", tag: "tables",
            response: "TableList"),
        .init(
            method: "POST", path: "/api/v1/datasets/{slug}/distributions/{id}/table",
            summary: "Import a distribution's file (uploaded, or fetched from its URL) as the next version of its table",
            tag: "tables", query: [("lenient", "Pad short rows and cut long ones instead of refusing the file", "boolean")],
            response: "ImportedTable", status: "201", auth: true),
        .init(
            method: "GET", path: "/api/v1/tables/{id}", summary: "A table, with the columns and statistics of the version served",
            tag: "tables", response: "Table"),
        .init(
            method: "GET", path: "/api/v1/tables/{id}/versions", summary: "Every version: row count, source file and checksum",
            tag: "tables", response: "TableVersionList"),
        .init(
            method: "GET", path: "/api/v1/tables/{id}/rows",
            summary: "Query rows: COLUMN=value and COLUMN__op=value filters (gt, gte, lt, lte, ne, in, contains, startswith, isnull)",
            tag: "tables",
            query: [
                ("_sort", "Columns to sort by, comma-separated; -column for descending", "string"),
                ("_fields", "Columns to return, comma-separated", "string"),
                ("_size", "Rows per page, 1 to 10000 (default 100; exports default to every row)", "integer"),
                ("_after", "The cursor a previous page returned as next", "string"),
                ("_q", "Words to find in the text columns (all must match)", "string"),
                ("_near", "latitude,longitude: rows within _radius, nearest first", "string"),
                ("_radius", "Metres around _near, up to 100000 (default 1000)", "number"),
                ("_bbox", "west,south,east,north in degrees", "string"),
                ("_group", "Columns to group by, comma-separated", "string"),
                ("_agg", "Aggregates per group: count, sum:col, avg:col, min:col, max:col", "string"),
                ("_count", "true to include the total number of matching rows", "boolean"),
                ("_format", "json, csv, ndjson or geojson (streamed, with a download file name)", "string"),
            ], response: "Rows"),
        .init(method: "GET", path: "/api/v1/tables/{id}/source", summary: "The original file of the version served", tag: "tables"),
        .init(
            method: "GET", path: "/api/3/action/{action}",
            summary:
                "CKAN Action API v3 (read actions: status_show, package_list, package_show, package_search, organization_list, organization_show, group_list, group_show, tag_list, license_list, resource_show, datastore_search, help_show)",
            tag: "ckan"),
        .init(
            method: "POST", path: "/api/3/action/{action}",
            summary:
                "CKAN Action API v3 with a JSON body (also package_create/update/patch/delete, resource_create/update/patch/delete, organization_create)",
            tag: "ckan"),
        .init(method: "GET", path: "/api/action/{action}", summary: "CKAN Action API v3 (the path ckanapi uses)", tag: "ckan"),
        .init(
            method: "POST", path: "/api/action/{action}", summary: "CKAN Action API v3 with a JSON body (the path ckanapi uses)",
            tag: "ckan"),
        .init(method: "GET", path: "/api/v1/licences", summary: "Licences this hub knows, with their openness", tag: "catalogue"),
        .init(method: "GET", path: "/api/v1/themes", summary: "EU data theme codes", tag: "catalogue"),
        .init(
            method: "GET", path: "/api/v1/changes", summary: "The hash-chained change log", tag: "catalogue",
            query: [("after", "Sequence number to start after", "integer"), ("limit", "Entries, 1 to 1000", "integer")],
            response: "ChangeList"),
        .init(
            method: "POST", path: "/api/v1/accounts", summary: "Create an account (site admin)", tag: "people", body: "NewAccount",
            response: "Account", status: "201", auth: true),
        .init(
            method: "GET", path: "/api/v1/accounts/me", summary: "The account behind the token, with its memberships", tag: "people",
            auth: true),
        .init(
            method: "POST", path: "/api/v1/accounts/{name}/tokens", summary: "Create an API token (shown once)", tag: "people",
            body: "NewToken", status: "201", auth: true),
        .init(
            method: "GET", path: "/api/v1/accounts/{name}/tokens", summary: "List an account's tokens (labels and ids, never secrets)",
            tag: "people", auth: true),
        .init(
            method: "DELETE", path: "/api/v1/accounts/{name}/tokens/{id}", summary: "Revoke a token", tag: "people", status: "204",
            auth: true),
        // Pages and their JSON twins.
        .init(method: "GET", path: "/", summary: "Home page: search box and facets", tag: "pages"),
        .init(method: "GET", path: "/index.json", summary: "Home page as JSON", tag: "pages"),
        .init(method: "GET", path: "/search", summary: "Search results page (q and the search parameters)", tag: "pages"),
        .init(method: "GET", path: "/search.json", summary: "Search results as JSON", tag: "pages"),
        .init(
            method: "GET", path: "/dataset/{slug}",
            summary: "Dataset page (append .json for JSON; .ttl, .jsonld or .rdf, or Accept, for DCAT-AP 3)", tag: "pages"),
        .init(
            method: "GET", path: "/api/v1/harvest-sources",
            summary: "The portals this hub harvests (CKAN or DCAT), each with its last run", tag: "harvest"),
        .init(
            method: "GET", path: "/api/v1/harvest-sources/{id}/runs", summary: "A harvest source's runs, newest first (limit)",
            tag: "harvest"),
        .init(
            method: "GET", path: "/datastore/dump/{resource_id}",
            summary: "CKAN's datastore dump: a resource's table as CSV (format=csv) or NDJSON (format=json)", tag: "ckan"),
        .init(
            method: "GET", path: "/catalog",
            summary: "The catalogue as DCAT-AP 3, in the RDF format Accept names (Turtle by default)", tag: "dcat"),
        .init(
            method: "GET", path: "/catalog.ttl",
            summary: "The catalogue as DCAT-AP 3 Turtle, 100 datasets a page with hydra paging (page, modified_since)", tag: "dcat"),
        .init(method: "GET", path: "/catalog.jsonld", summary: "The catalogue as DCAT-AP 3 JSON-LD (page, modified_since)", tag: "dcat"),
        .init(method: "GET", path: "/catalog.rdf", summary: "The catalogue as DCAT-AP 3 RDF/XML (page, modified_since)", tag: "dcat"),
        .init(
            method: "GET", path: "/dataset/{slug}/datapackage.json",
            summary: "The dataset as a Frictionless Data Package (v2), with a Table Schema for each table", tag: "frictionless"),
        .init(
            method: "GET", path: "/dataset/{slug}/datapackage.zip",
            summary: "The Data Package as a ZIP archive, with the files this hub holds", tag: "frictionless"),
        .init(
            method: "GET", path: "/table/{id}", summary: "Table page: preview, sort, filter, chart and map (append .json for JSON)",
            tag: "pages"),
        .init(method: "GET", path: "/publisher/{slug}", summary: "Publisher page (append .json for JSON)", tag: "pages"),
        .init(method: "GET", path: "/publishers", summary: "Publishers page", tag: "pages"),
        .init(method: "GET", path: "/publishers.json", summary: "Publishers as JSON", tag: "pages"),
        .init(method: "GET", path: "/assets/agora.css", summary: "Style sheet", tag: "pages"),
    ]

    static func schemas() -> [String: Any] {
        let string: [String: Any] = ["type": "string"]
        let nullableString: [String: Any] = ["type": ["string", "null"]]
        let stringList: [String: Any] = ["type": "array", "items": string]
        let timestamp: [String: Any] = ["type": "string", "format": "date-time"]
        func object(_ properties: [String: Any], required: [String] = [], additional: Bool = true) -> [String: Any] {
            var o: [String: Any] = ["type": "object", "properties": properties]
            if !required.isEmpty { o["required"] = required }
            if !additional { o["additionalProperties"] = false }
            return o
        }
        let distributionInput = object([
            "id": string, "title": string, "description": string, "url": ["type": "string", "format": "uri"],
            "media_type": nullableString, "format": nullableString, "byte_size": ["type": ["integer", "null"], "minimum": 0],
            "checksum": nullableString,
        ])
        let distribution = object([
            "id": string, "title": string, "description": string, "url": string, "media_type": nullableString,
            "format": nullableString, "byte_size": ["type": ["integer", "null"]], "checksum": nullableString,
            "uploaded": ["type": "boolean"], "file_name": nullableString, "created": timestamp, "modified": timestamp,
        ])
        let coverage: [String: Any] = [
            "spatial": [
                "type": ["object", "null"],
                "properties": ["name": string, "bbox": ["type": "array", "items": ["type": "number"], "minItems": 4, "maxItems": 4]],
            ],
            "temporal": [
                "type": ["object", "null"],
                "properties": ["start": ["type": "string", "format": "date"], "end": ["type": "string", "format": "date"]],
            ],
            "contact_point": [
                "type": ["object", "null"], "properties": ["name": string, "email": ["type": "string", "format": "email"]],
            ],
        ]
        var datasetInputProps: [String: Any] = [
            "slug": ["type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"], "publisher": string, "title": string,
            "description": string, "licence": nullableString, "tags": stringList, "themes": stringList,
            "update_frequency": nullableString, "landing_page": nullableString, "provenance": nullableString,
            "distributions": ["type": "array", "items": ["$ref": "#/components/schemas/DistributionInput"]],
        ]
        datasetInputProps.merge(coverage) { a, _ in a }
        var datasetProps = datasetInputProps
        datasetProps["id"] = string
        datasetProps["licence_title"] = nullableString
        datasetProps["open"] = ["type": "boolean"]
        datasetProps["formats"] = stringList
        datasetProps["state"] = ["type": "string", "enum": ["active", "deleted"]]
        datasetProps["created"] = timestamp
        datasetProps["modified"] = timestamp
        datasetProps["distributions"] = ["type": "array", "items": ["$ref": "#/components/schemas/Distribution"]]
        let publisherInput = object([
            "slug": string, "title": string, "description": string, "kind": ["type": "string", "enum": ["organisation", "group"]],
            "homepage": nullableString, "email": nullableString,
        ])
        let publisher = object([
            "id": string, "slug": string, "title": string, "description": string, "kind": string, "homepage": nullableString,
            "email": nullableString, "created": timestamp, "modified": timestamp, "dataset_count": ["type": "integer"],
        ])
        let change = object([
            "seq": ["type": "integer"], "prev_hash": string, "hash": string, "kind": string, "id": string, "slug": string,
            "op": string, "content_hash": string, "at": timestamp, "actor": nullableString, "summary": string,
        ])
        let facetValues: [String: Any] = [
            "type": "array",
            "items": object(["value": string, "count": ["type": "integer"], "label": string]),
        ]
        return [
            "Problem": object([
                "type": string, "title": string, "status": ["type": "integer"], "detail": string, "instance": string,
                "errors": ["type": "array", "items": object(["field": string, "message": string])],
            ]),
            "DistributionInput": distributionInput,
            "Distribution": distribution,
            "DatasetInput": object(datasetInputProps),
            "Dataset": object(datasetProps, required: ["id", "slug", "publisher", "title"]),
            "PublisherInput": publisherInput,
            "Publisher": publisher,
            "PublisherList": object([
                "count": ["type": "integer"], "results": ["type": "array", "items": ["$ref": "#/components/schemas/Publisher"]],
            ]),
            "ChangeEntry": change,
            "ChangeList": object([
                "count": ["type": "integer"], "results": ["type": "array", "items": ["$ref": "#/components/schemas/ChangeEntry"]],
            ]),
            "SearchResult": object([
                "count": ["type": "integer"], "page": ["type": "integer"], "per_page": ["type": "integer"],
                "results": ["type": "array", "items": ["$ref": "#/components/schemas/Dataset"]],
                "facets": object([
                    "publisher": facetValues, "tag": facetValues, "theme": facetValues, "licence": facetValues, "format": facetValues,
                    "open": facetValues,
                ]),
            ]),
            "MemberRole": object(["role": ["type": "string", "enum": ["editor", "admin"]]], required: ["role"]),
            "NewAccount": object(
                ["name": string, "display_name": string, "email": string, "site_admin": ["type": "boolean"]], required: ["name"]),
            "Account": object([
                "id": string, "name": string, "display_name": string, "email": nullableString, "site_admin": ["type": "boolean"],
                "created": timestamp,
            ]),
            "NewToken": object(["label": string]),
            "TableColumn": object([
                "name": string, "type": ["type": "string", "enum": ["integer", "decimal", "boolean", "date", "datetime", "text"]],
                "exact": ["type": "boolean"], "nulls": ["type": "integer"], "min": nullableString, "max": nullableString,
            ]),
            "TableVersion": object([
                "table_id": string, "version": ["type": "integer"], "row_count": ["type": "integer"],
                "columns": ["type": "array", "items": ["$ref": "#/components/schemas/TableColumn"]],
                "geo": ["type": ["object", "null"]], "source_name": string, "byte_size": ["type": "integer"], "checksum": string,
                "format": string, "encoding": string, "created": timestamp,
            ]),
            "Table": object([
                "id": string, "dataset_id": string, "dataset_slug": string, "distribution_id": string, "title": string,
                "created": timestamp, "modified": timestamp, "current": ["$ref": "#/components/schemas/TableVersion"],
            ]),
            "TableList": object([
                "count": ["type": "integer"], "results": ["type": "array", "items": ["$ref": "#/components/schemas/Table"]],
            ]),
            "TableVersionList": object([
                "count": ["type": "integer"], "results": ["type": "array", "items": ["$ref": "#/components/schemas/TableVersion"]],
            ]),
            "ImportedTable": object([
                "table": ["$ref": "#/components/schemas/Table"], "version": ["$ref": "#/components/schemas/TableVersion"],
            ]),
            "Rows": object([
                "columns": ["type": "array", "items": object(["name": string, "type": string])],
                "rows": ["type": "array", "items": ["type": "object"]], "next": nullableString, "total": ["type": "integer"],
            ]),
        ]
    }

    static func json(serverName: String) -> String {
        var paths: [String: [String: Any]] = [:]
        for op in operations {
            var operation: [String: Any] = [
                "summary": op.summary, "tags": [op.tag],
                "operationId": op.method.lowercased()
                    + op.path.split(whereSeparator: { !$0.isLetter }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(),
            ]
            var parameters: [[String: Any]] = []
            for segment in op.path.split(separator: "/") where segment.hasPrefix("{") {
                let name = String(segment.dropFirst().dropLast())
                parameters.append(["name": name, "in": "path", "required": true, "schema": ["type": "string"]])
            }
            for q in op.query {
                parameters.append(["name": q.name, "in": "query", "description": q.description, "schema": ["type": q.type]])
            }
            if !parameters.isEmpty { operation["parameters"] = parameters }
            if let body = op.body {
                operation["requestBody"] = [
                    "required": true, "content": [op.bodyType: ["schema": ["$ref": "#/components/schemas/\(body)"]]],
                ]
            }
            var ok: [String: Any] = ["description": "Success"]
            if let response = op.response {
                ok["content"] = ["application/json": ["schema": ["$ref": "#/components/schemas/\(response)"]]]
            }
            let problem: [String: Any] = [
                "description": "A problem, as RFC 7807 problem+json",
                "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]],
            ]
            operation["responses"] = [op.status: ok, "default": problem]
            if op.auth { operation["security"] = [["bearer": [String]()]] }
            paths[op.path, default: [:]][op.method.lowercased()] = operation
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": [
                "title": "\(serverName) open data hub API", "version": "1.0.0",
                "description": "Reads are anonymous; writes need 'Authorization: Bearer TOKEN'. Errors are RFC 7807 problem+json.",
                "license": ["name": "Apache-2.0", "identifier": "Apache-2.0"],
            ],
            "paths": paths,
            "components": [
                "schemas": schemas(),
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
            ],
        ]
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
