import AgoraCore
import AgoraStore
import Foundation

/// A dataset as a Frictionless Data Package (v2): its licence, publisher and keywords, and one
/// resource per distribution; a distribution that is a table carries its Table Schema, dialect and
/// encoding, so the data travels with its types.
public enum DataPackage {
    public struct Licence: Encodable, Sendable {
        var name: String
        var path: String?
        var title: String?
    }

    public struct Source: Encodable, Sendable {
        var title: String
        var path: String
    }

    public struct Field: Encodable, Sendable {
        var name: String
        var type: String
        var format: String?
        var trueValues: [String]?
        var falseValues: [String]?
        var constraints: [String: Bool]?
    }

    public struct Schema: Encodable, Sendable {
        var fields: [Field]
        var missingValues = [""]
        var primaryKey: [String]?
    }

    public struct Dialect: Encodable, Sendable {
        var delimiter: String
        var header = true
    }

    public struct Resource: Encodable, Sendable {
        var name: String
        var title: String
        var description: String?
        var path: String
        var format: String?
        var mediatype: String?
        var bytes: Int?
        var hash: String?
        var encoding: String?
        var type: String?
        var dialect: Dialect?
        var schema: Schema?
    }

    public struct Package: Encodable, Sendable {
        var schemaURL = "https://datapackage.org/profiles/2.0/datapackage.json"
        var name: String
        var id: String
        var title: String
        var description: String
        var homepage: String?
        var created: String
        var keywords: [String]
        var licenses: [Licence]
        var sources: [Source]
        var resources: [Resource]
        /// The SHA-256 of each resource whose file this hub holds, by resource name (not serialised).
        public var storedFiles: [String: String] = [:]

        enum CodingKeys: String, CodingKey {
            case schemaURL = "$schema"
            case name, id, title, description, homepage, created, keywords, licenses, sources, resources
        }
    }

    static func fieldType(_ column: TableColumn) -> Field {
        switch column.type {
        case .integer: return Field(name: column.name, type: "integer")
        case .decimal: return Field(name: column.name, type: "number")
        case .boolean:
            return Field(
                name: column.name, type: "boolean", trueValues: ["true", "True", "TRUE", "yes", "Yes", "YES"],
                falseValues: ["false", "False", "FALSE", "no", "No", "NO"])
        case .date: return Field(name: column.name, type: "date")
        case .datetime: return Field(name: column.name, type: "datetime", format: "any")
        case .text: return Field(name: column.name, type: "string")
        }
    }

    /// A name as Data Package resources need it: lowercase letters, digits, `-`, `_` and `.`.
    static func resourceName(_ text: String, taken: inout Set<String>) -> String {
        var name = String(text.lowercased().map { $0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII || "-_.".contains($0) ? $0 : "-" })
        if name.isEmpty { name = "resource" }
        var candidate = name
        var n = 2
        while taken.contains(candidate) {
            candidate = "\(name)-\(n)"
            n += 1
        }
        taken.insert(candidate)
        return candidate
    }

    /// The package of `dataset`; `siteURL` makes paths absolute, `tables` are the dataset's tables.
    public static func make(
        dataset: Dataset, publisher: Publisher?, licence: AgoraCore.Licence?, tables: [DataTable], siteURL: String
    ) -> Package {
        var taken = Set<String>()
        var stored: [String: String] = [:]
        let byDistribution = Dictionary(tables.map { ($0.distributionID, $0) }, uniquingKeysWith: { a, _ in a })
        let resources = dataset.distributions.map { d -> Resource in
            let table = byDistribution[d.id]
            let version = table?.current
            let path: String
            if let table, version?.sourceName == TableService.datastoreSourceName {
                // Rows written through the datastore API have no file of their own: the package reads the export.
                path = siteURL + "/api/v1/tables/\(table.id)/rows?_format=csv"
            } else if d.uploaded {
                path = siteURL + d.url
            } else if let table, version != nil {
                path = siteURL + "/api/v1/tables/\(table.id)/source"
            } else {
                path = d.url
            }
            var resource = Resource(
                name: resourceName(
                    d.fileName.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? d.title, taken: &taken),
                title: d.title, description: d.description.isEmpty ? nil : d.description, path: path,
                format: d.format?.lowercased(), mediatype: d.mediaType, bytes: d.byteSize,
                hash: d.checksum.map { "sha256:\($0)" })
            if d.uploaded, let sha = d.checksum, version == nil || version?.format == "CSV" { stored[resource.name] = sha }
            if let version {
                resource.type = "table"
                // Rows written through the datastore API are served as an export, not a stored file.
                let written = version.sourceName == TableService.datastoreSourceName
                resource.bytes = written ? nil : version.byteSize
                resource.hash = written ? nil : "sha256:\(version.checksum)"
                resource.schema = Schema(fields: version.columns.map(fieldType), primaryKey: version.primaryKey)
                if version.format == "CSV" {
                    resource.format = "csv"
                    resource.mediatype = "text/csv"
                    resource.encoding = version.encoding == "UTF-8" ? "utf-8" : "windows-1252"
                    if let delimiter = version.delimiter, delimiter != "," { resource.dialect = Dialect(delimiter: delimiter) }
                } else {
                    // A GeoJSON table's rows are served as CSV by the table API; the package points there.
                    resource.format = "csv"
                    resource.mediatype = "text/csv"
                    resource.encoding = "utf-8"
                    resource.path = siteURL + "/api/v1/tables/\(version.tableID)/rows?_format=csv"
                    resource.bytes = nil
                    resource.hash = nil
                }
            }
            return resource
        }
        var licences: [Licence] = []
        if let id = dataset.licence {
            licences.append(Licence(name: licence?.id ?? id, path: licence?.url, title: licence?.title ?? dataset.licenceTitle))
        }
        let sources = publisher.map { [Source(title: $0.title, path: siteURL + "/publisher/\($0.slug)")] } ?? []
        return Package(
            name: dataset.slug, id: siteURL + "/dataset/\(dataset.slug)", title: dataset.title, description: dataset.description,
            homepage: dataset.landingPage, created: Timestamp.string(dataset.created), keywords: dataset.tags, licenses: licences,
            sources: sources, resources: resources, storedFiles: stored)
    }
}
