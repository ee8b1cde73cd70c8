import AgoraStore

/// What a client may send to create or change a publisher. Every field is optional so the same type
/// serves create, replace and partial update; the service says which are required.
public struct PublisherInput: Codable, Sendable {
    public var slug: String?
    public var title: String?
    public var description: String?
    public var kind: Publisher.Kind?
    public var homepage: String?
    public var email: String?

    public static let fields: Set<String> = ["slug", "title", "description", "kind", "homepage", "email"]
    /// Fields a client may send back from a read; they are accepted and ignored.
    public static let readOnlyFields: Set<String> = ["id", "created", "modified", "dataset_count"]

    public init(
        slug: String? = nil, title: String? = nil, description: String? = nil, kind: Publisher.Kind? = nil,
        homepage: String? = nil, email: String? = nil
    ) {
        self.slug = slug
        self.title = title
        self.description = description
        self.kind = kind
        self.homepage = homepage
        self.email = email
    }
}

public struct DistributionInput: Codable, Sendable {
    public var id: String?
    public var title: String?
    public var description: String?
    public var url: String?
    public var mediaType: String?
    public var format: String?
    public var byteSize: Int?
    public var checksum: String?

    enum CodingKeys: String, CodingKey {
        case id, title, description, url
        case mediaType = "media_type"
        case format
        case byteSize = "byte_size"
        case checksum
    }

    public static let fields: Set<String> = [
        "id", "title", "description", "url", "media_type", "format", "byte_size", "checksum",
    ]
    public static let readOnlyFields: Set<String> = ["uploaded", "file_name", "created", "modified"]

    public init(
        id: String? = nil, title: String? = nil, description: String? = nil, url: String? = nil,
        mediaType: String? = nil, format: String? = nil, byteSize: Int? = nil, checksum: String? = nil
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.url = url
        self.mediaType = mediaType
        self.format = format
        self.byteSize = byteSize
        self.checksum = checksum
    }
}

public struct DatasetInput: Codable, Sendable {
    public var slug: String?
    public var publisher: String?
    public var title: String?
    public var description: String?
    public var licence: String?
    public var tags: [String]?
    public var themes: [String]?
    public var spatial: SpatialCoverage?
    public var temporal: TemporalCoverage?
    public var updateFrequency: String?
    public var contactPoint: ContactPoint?
    public var landingPage: String?
    public var provenance: String?
    public var distributions: [DistributionInput]?

    enum CodingKeys: String, CodingKey {
        case slug, publisher, title, description, licence, tags, themes, spatial, temporal
        case updateFrequency = "update_frequency"
        case contactPoint = "contact_point"
        case landingPage = "landing_page"
        case provenance, distributions
    }

    public static let fields: Set<String> = [
        "slug", "publisher", "title", "description", "licence", "tags", "themes", "spatial", "temporal",
        "update_frequency", "contact_point", "landing_page", "provenance", "distributions",
    ]
    public static let readOnlyFields: Set<String> = [
        "id", "licence_title", "open", "formats", "state", "created", "modified",
    ]

    public init(
        slug: String? = nil, publisher: String? = nil, title: String? = nil, description: String? = nil,
        licence: String? = nil, tags: [String]? = nil, themes: [String]? = nil, spatial: SpatialCoverage? = nil,
        temporal: TemporalCoverage? = nil, updateFrequency: String? = nil, contactPoint: ContactPoint? = nil,
        landingPage: String? = nil, provenance: String? = nil, distributions: [DistributionInput]? = nil
    ) {
        self.slug = slug
        self.publisher = publisher
        self.title = title
        self.description = description
        self.licence = licence
        self.tags = tags
        self.themes = themes
        self.spatial = spatial
        self.temporal = temporal
        self.updateFrequency = updateFrequency
        self.contactPoint = contactPoint
        self.landingPage = landingPage
        self.provenance = provenance
        self.distributions = distributions
    }
}
