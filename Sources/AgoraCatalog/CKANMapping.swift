import AgoraCore
import AgoraStore
import Foundation

/// Agora's records in CKAN's dictionaries (Action API v3), with CKAN's field names, so CKAN clients
/// read them unchanged. Publishers are organizations; EU themes are groups.
public enum CKAN {
    /// CKAN's one timestamp format: ISO 8601 in UTC, microseconds, no zone designator.
    public static func timestamp(_ date: Date) -> String {
        let millis = Timestamp.string(date)  // 2025-01-02T03:04:05.678Z
        return String(millis.dropLast()) + "000"
    }

    public struct Tag: Encodable, Sendable, Equatable {
        public var name: String
        public var displayName: String
        public var state = "active"
        public var vocabularyID: String? = nil

        enum CodingKeys: String, CodingKey {
            case name
            case displayName = "display_name"
            case state
            case vocabularyID = "vocabulary_id"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(displayName, forKey: .displayName)
            try c.encode(state, forKey: .state)
            try c.encodeNil(forKey: .vocabularyID)
        }
    }

    public struct Organization: Encodable, Sendable {
        public var id: String
        public var name: String
        public var title: String
        public var description: String
        public var created: String
        public var packageCount: Int?
        public var imageURL = ""
        public var isOrganization = true
        public var type = "organization"
        public var state = "active"
        public var approvalStatus = "approved"

        enum CodingKeys: String, CodingKey {
            case id, name, title, description, created
            case packageCount = "package_count"
            case imageURL = "image_url"
            case isOrganization = "is_organization"
            case type, state
            case approvalStatus = "approval_status"
        }

        public init(_ publisher: Publisher, packageCount: Int? = nil) {
            id = publisher.id
            name = publisher.slug
            title = publisher.title
            description = publisher.description
            created = CKAN.timestamp(publisher.created)
            self.packageCount = packageCount
        }
    }

    public struct Group: Encodable, Sendable {
        public var id: String
        public var name: String
        public var title: String
        public var displayName: String
        public var description = ""
        public var packageCount: Int?
        public var isOrganization = false
        public var type = "group"
        public var state = "active"

        enum CodingKeys: String, CodingKey {
            case id, name, title
            case displayName = "display_name"
            case description
            case packageCount = "package_count"
            case isOrganization = "is_organization"
            case type, state
        }

        /// An EU data theme as a group named by its lowercase code.
        public init(code: String, label: String, packageCount: Int? = nil) {
            id = code.lowercased()
            name = code.lowercased()
            title = label
            displayName = label
            self.packageCount = packageCount
        }
    }

    public struct Resource: Encodable, Sendable {
        public var id: String
        public var packageID: String
        public var name: String
        public var description: String
        public var url: String
        public var format: String
        public var mimetype: String?
        public var size: Int?
        public var hash: String
        public var created: String
        public var lastModified: String
        public var metadataModified: String
        public var position: Int
        public var urlType: String?
        public var datastoreActive: Bool
        public var state = "active"

        enum CodingKeys: String, CodingKey {
            case id
            case packageID = "package_id"
            case name, description, url, format, mimetype, size, hash, created
            case lastModified = "last_modified"
            case metadataModified = "metadata_modified"
            case position
            case urlType = "url_type"
            case datastoreActive = "datastore_active"
            case state
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(packageID, forKey: .packageID)
            try c.encode(name, forKey: .name)
            try c.encode(description, forKey: .description)
            try c.encode(url, forKey: .url)
            try c.encode(format, forKey: .format)
            try c.encode(mimetype, forKey: .mimetype)
            try c.encode(size, forKey: .size)
            try c.encode(hash, forKey: .hash)
            try c.encode(created, forKey: .created)
            try c.encode(lastModified, forKey: .lastModified)
            try c.encode(metadataModified, forKey: .metadataModified)
            try c.encode(position, forKey: .position)
            try c.encode(urlType, forKey: .urlType)
            try c.encode(datastoreActive, forKey: .datastoreActive)
            try c.encode(state, forKey: .state)
        }

        /// `siteURL` makes an uploaded file's download path absolute, as CKAN's resource URLs are.
        public init(_ d: Distribution, datasetID: String, position: Int, siteURL: String, datastoreActive: Bool) {
            id = d.id
            packageID = datasetID
            name = d.title
            description = d.description
            url = d.uploaded ? siteURL + d.url : d.url
            format = d.format ?? ""
            mimetype = d.mediaType
            size = d.byteSize
            hash = d.checksum.map { "sha256:\($0)" } ?? ""
            created = CKAN.timestamp(d.created)
            lastModified = CKAN.timestamp(d.modified)
            metadataModified = CKAN.timestamp(d.modified)
            self.position = position
            urlType = d.uploaded ? "upload" : nil
            self.datastoreActive = datastoreActive
        }
    }

    public struct Extra: Encodable, Sendable {
        public var key: String
        public var value: String
    }

    public struct Package: Encodable, Sendable {
        public var id: String
        public var name: String
        public var title: String
        public var notes: String
        public var ownerOrg: String
        public var organization: Organization?
        public var licenseID: String?
        public var licenseTitle: String?
        public var licenseURL: String?
        public var isopen: Bool
        public var tags: [Tag]
        public var groups: [Group]
        public var extras: [Extra]
        public var resources: [Resource]
        public var numResources: Int
        public var numTags: Int
        public var metadataCreated: String
        public var metadataModified: String
        public var state: String
        public var url: String
        public var maintainer: String?
        public var maintainerEmail: String?
        public var author: String? = nil
        public var authorEmail: String? = nil
        public var version: String? = nil
        public var isPrivate = false
        public var type = "dataset"

        enum CodingKeys: String, CodingKey {
            case id, name, title, notes
            case ownerOrg = "owner_org"
            case organization
            case licenseID = "license_id"
            case licenseTitle = "license_title"
            case licenseURL = "license_url"
            case isopen, tags, groups, extras, resources
            case numResources = "num_resources"
            case numTags = "num_tags"
            case metadataCreated = "metadata_created"
            case metadataModified = "metadata_modified"
            case state, url, maintainer
            case maintainerEmail = "maintainer_email"
            case author
            case authorEmail = "author_email"
            case version
            case isPrivate = "private"
            case type
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encode(title, forKey: .title)
            try c.encode(notes, forKey: .notes)
            try c.encode(ownerOrg, forKey: .ownerOrg)
            try c.encode(organization, forKey: .organization)
            try c.encode(licenseID, forKey: .licenseID)
            try c.encode(licenseTitle, forKey: .licenseTitle)
            try c.encode(licenseURL, forKey: .licenseURL)
            try c.encode(isopen, forKey: .isopen)
            try c.encode(tags, forKey: .tags)
            try c.encode(groups, forKey: .groups)
            try c.encode(extras, forKey: .extras)
            try c.encode(resources, forKey: .resources)
            try c.encode(numResources, forKey: .numResources)
            try c.encode(numTags, forKey: .numTags)
            try c.encode(metadataCreated, forKey: .metadataCreated)
            try c.encode(metadataModified, forKey: .metadataModified)
            try c.encode(state, forKey: .state)
            try c.encode(url, forKey: .url)
            try c.encode(maintainer, forKey: .maintainer)
            try c.encode(maintainerEmail, forKey: .maintainerEmail)
            try c.encode(author, forKey: .author)
            try c.encode(authorEmail, forKey: .authorEmail)
            try c.encode(version, forKey: .version)
            try c.encode(isPrivate, forKey: .isPrivate)
            try c.encode(type, forKey: .type)
        }

        public init(
            _ d: Dataset, publisher: Publisher?, licences: LicenceTable, siteURL: String, tabulated: Set<String> = []
        ) {
            id = d.id
            name = d.slug
            title = d.title
            notes = d.description
            ownerOrg = publisher?.id ?? d.publisher
            organization = publisher.map { Organization($0) }
            let licence = d.licence.flatMap { licences.licence($0) }
            licenseID = d.licence
            licenseTitle = licence?.title ?? d.licenceTitle
            licenseURL = licence?.url
            isopen = d.isOpen
            tags = d.tags.map { Tag(name: $0, displayName: $0) }
            groups = d.themes.compactMap { code in
                Vocabularies.themes.first { $0.code == code.uppercased() }.map { Group(code: $0.code, label: $0.label) }
            }
            var extras: [Extra] = []
            if let f = d.updateFrequency { extras.append(Extra(key: "frequency", value: f)) }
            if let p = d.provenance { extras.append(Extra(key: "provenance", value: p)) }
            if let t = d.temporal?.start { extras.append(Extra(key: "temporal_start", value: t)) }
            if let t = d.temporal?.end { extras.append(Extra(key: "temporal_end", value: t)) }
            if let s = d.spatial?.name { extras.append(Extra(key: "spatial_text", value: s)) }
            if let origin = d.harvestedFrom {
                // As CKAN's harvesters mark their copies: where the original is.
                extras.append(Extra(key: "harvest_source_url", value: origin.sourceURL))
                extras.append(Extra(key: "harvest_url", value: origin.url))
            }
            self.extras = extras
            resources = d.distributions.enumerated().map {
                Resource(
                    $0.element, datasetID: d.id, position: $0.offset, siteURL: siteURL,
                    datastoreActive: tabulated.contains($0.element.id))
            }
            numResources = resources.count
            numTags = tags.count
            metadataCreated = CKAN.timestamp(d.created)
            metadataModified = CKAN.timestamp(d.modified)
            state = d.state.rawValue
            url = d.landingPage ?? ""
            maintainer = d.contactPoint?.name
            maintainerEmail = d.contactPoint?.email
        }
    }

    /// CKAN's facet fields and the catalogue facets behind them.
    public static let facetFields: [String: Facet] = [
        "organization": .publisher, "tags": .tag, "groups": .theme, "license_id": .licence, "res_format": .format,
    ]
}

extension CKAN {
    /// CKAN's dataset dict as the native input; `present` gets the native names of the fields given.
    /// Read-only fields a client sends back (id, metadata_*, organization, num_*) are ignored;
    /// `owner_org` is passed on as given (an id or a name) for the caller to resolve.
    public static func datasetInput(_ body: [String: Any], present: inout Set<String>) -> DatasetInput {
        var input = DatasetInput()
        func string(_ key: String) -> String? { body[key] as? String }
        if let v = string("name") {
            input.slug = v
            present.insert("slug")
        }
        if let v = string("title") {
            input.title = v
            present.insert("title")
        }
        if let v = string("notes") {
            input.description = v
            present.insert("description")
        }
        if let v = string("license_id") {
            input.licence = v.isEmpty ? nil : v
            present.insert("licence")
        }
        if let v = string("url") {
            input.landingPage = v.isEmpty ? nil : v
            present.insert("landing_page")
        }
        if let org = string("owner_org") {
            input.publisher = org
            present.insert("publisher")
        }
        if let tags = body["tags"] as? [Any] {
            input.tags = tags.compactMap { ($0 as? [String: Any])?["name"] as? String ?? $0 as? String }
            present.insert("tags")
        }
        if let groups = body["groups"] as? [Any] {
            input.themes = groups.compactMap { (($0 as? [String: Any])?["name"] as? String)?.uppercased() }
            present.insert("themes")
        }
        if body["maintainer"] != nil || body["maintainer_email"] != nil {
            input.contactPoint = ContactPoint(name: string("maintainer"), email: string("maintainer_email"))
            present.insert("contact_point")
        }
        if let extras = body["extras"] as? [[String: Any]] {
            var temporal = TemporalCoverage()
            for extra in extras {
                guard let key = extra["key"] as? String, let value = extra["value"] as? String else { continue }
                switch key {
                case "frequency": input.updateFrequency = value
                case "provenance": input.provenance = value
                case "temporal_start": temporal.start = value
                case "temporal_end": temporal.end = value
                case "spatial_text": input.spatial = SpatialCoverage(name: value)
                default: break
                }
            }
            if temporal.start != nil || temporal.end != nil { input.temporal = temporal }
            present.formUnion(["update_frequency", "provenance", "temporal", "spatial"])
        }
        if let resources = body["resources"] as? [[String: Any]] {
            input.distributions = resources.map(distributionInput)
            present.insert("distributions")
        }
        return input
    }

    public static func distributionInput(_ r: [String: Any]) -> DistributionInput {
        DistributionInput(
            id: r["id"] as? String, title: r["name"] as? String, description: r["description"] as? String,
            url: (r["url"] as? String).flatMap { $0.isEmpty ? nil : $0 }, mediaType: r["mimetype"] as? String,
            format: (r["format"] as? String).flatMap { $0.isEmpty ? nil : $0 }, byteSize: (r["size"] as? NSNumber)?.intValue,
            checksum: (r["hash"] as? String).flatMap(sha256))
    }

    /// CKAN's `hash` as this hub keeps checksums: SHA-256 in hex, with or without a `sha256:` prefix.
    public static func sha256(_ hash: String) -> String? {
        let hex = hash.lowercased().hasPrefix("sha256:") ? String(hash.dropFirst(7)) : hash
        return hex.count == 64 && hex.allSatisfy(\.isHexDigit) ? hex.lowercased() : nil
    }
}
