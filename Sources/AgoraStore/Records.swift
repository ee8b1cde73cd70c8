import AgoraCore
import Foundation

/// An organisation or a community group that publishes datasets.
public struct Publisher: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case organisation, group }

    public var id: String
    public var slug: String
    public var title: String
    public var description: String
    public var kind: Kind
    public var homepage: String?
    public var email: String?
    public var created: Date
    public var modified: Date

    public init(
        id: String, slug: String, title: String, description: String = "", kind: Kind = .organisation,
        homepage: String? = nil, email: String? = nil, created: Date, modified: Date
    ) {
        self.id = id
        self.slug = slug
        self.title = title
        self.description = description
        self.kind = kind
        self.homepage = homepage
        self.email = email
        self.created = created
        self.modified = modified
    }
}

public struct SpatialCoverage: Codable, Sendable, Equatable {
    /// A place name people search by ("Camden", "Greater Manchester").
    public var name: String?
    /// west, south, east, north in WGS 84 degrees.
    public var bbox: [Double]?
    public init(name: String? = nil, bbox: [Double]? = nil) {
        self.name = name
        self.bbox = bbox
    }
}

public struct TemporalCoverage: Codable, Sendable, Equatable {
    public var start: String?
    public var end: String?
    public init(start: String? = nil, end: String? = nil) {
        self.start = start
        self.end = end
    }
}

public struct ContactPoint: Codable, Sendable, Equatable {
    public var name: String?
    public var email: String?
    public init(name: String? = nil, email: String? = nil) {
        self.name = name
        self.email = email
    }
}

/// A file or API through which a dataset is available: a link, or a file uploaded to this hub and
/// stored content-addressed by its SHA-256.
public struct Distribution: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var description: String
    /// Where the data lives: an outside URL, or this hub's download path for an uploaded file.
    public var url: String
    public var mediaType: String?
    /// A short format name for people and facets ("CSV", "GeoJSON").
    public var format: String?
    public var byteSize: Int?
    /// SHA-256 of the content, hex; set for uploads, optional for links.
    public var checksum: String?
    /// Set when the file is stored on this hub.
    public var uploaded: Bool
    public var fileName: String?
    public var created: Date
    public var modified: Date

    enum CodingKeys: String, CodingKey {
        case id, title, description, url
        case mediaType = "media_type"
        case format
        case byteSize = "byte_size"
        case checksum, uploaded
        case fileName = "file_name"
        case created, modified
    }

    public init(
        id: String, title: String, description: String = "", url: String, mediaType: String? = nil,
        format: String? = nil, byteSize: Int? = nil, checksum: String? = nil, uploaded: Bool = false,
        fileName: String? = nil, created: Date, modified: Date
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.url = url
        self.mediaType = mediaType
        self.format = format
        self.byteSize = byteSize
        self.checksum = checksum
        self.uploaded = uploaded
        self.fileName = fileName
        self.created = created
        self.modified = modified
    }
}

/// Where a harvested dataset came from: it is a read-only copy, changed only by harvesting its source.
public struct HarvestOrigin: Codable, Sendable, Equatable {
    /// The harvest source's id on this hub.
    public var source: String
    /// The portal harvested (its CKAN API root or DCAT catalogue address).
    public var sourceURL: String
    /// The original dataset: its page or IRI at the source.
    public var url: String
    /// The dataset's id at the source.
    public var remoteID: String

    enum CodingKeys: String, CodingKey {
        case source
        case sourceURL = "source_url"
        case url
        case remoteID = "remote_id"
    }

    public init(source: String, sourceURL: String, url: String, remoteID: String) {
        self.source = source
        self.sourceURL = sourceURL
        self.url = url
        self.remoteID = remoteID
    }
}

/// A dataset with its distributions. The stored document is exactly what the native API returns,
/// so reads can pass it through without decoding; `licenceTitle`, `isOpen` and `formats` are derived
/// on every write by the catalogue service.
public struct Dataset: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case active, deleted }

    public var id: String
    public var slug: String
    public var publisher: String
    public var title: String
    public var description: String
    public var licence: String?
    public var licenceTitle: String?
    public var isOpen: Bool
    public var tags: [String]
    public var themes: [String]
    public var spatial: SpatialCoverage?
    public var temporal: TemporalCoverage?
    public var updateFrequency: String?
    public var contactPoint: ContactPoint?
    public var landingPage: String?
    public var provenance: String?
    public var distributions: [Distribution]
    public var formats: [String]
    public var state: State
    public var created: Date
    public var modified: Date
    /// Set on harvested copies, which name their source.
    public var harvestedFrom: HarvestOrigin?

    enum CodingKeys: String, CodingKey {
        case id, slug, publisher, title, description, licence
        case licenceTitle = "licence_title"
        case isOpen = "open"
        case tags, themes, spatial, temporal
        case updateFrequency = "update_frequency"
        case contactPoint = "contact_point"
        case landingPage = "landing_page"
        case provenance, distributions, formats, state, created, modified
        case harvestedFrom = "harvested_from"
    }

    public init(
        id: String, slug: String, publisher: String, title: String, description: String = "",
        licence: String? = nil, licenceTitle: String? = nil, isOpen: Bool = false, tags: [String] = [],
        themes: [String] = [], spatial: SpatialCoverage? = nil, temporal: TemporalCoverage? = nil,
        updateFrequency: String? = nil, contactPoint: ContactPoint? = nil, landingPage: String? = nil,
        provenance: String? = nil, distributions: [Distribution] = [], formats: [String] = [],
        state: State = .active, created: Date, modified: Date
    ) {
        self.id = id
        self.slug = slug
        self.publisher = publisher
        self.title = title
        self.description = description
        self.licence = licence
        self.licenceTitle = licenceTitle
        self.isOpen = isOpen
        self.tags = tags
        self.themes = themes
        self.spatial = spatial
        self.temporal = temporal
        self.updateFrequency = updateFrequency
        self.contactPoint = contactPoint
        self.landingPage = landingPage
        self.provenance = provenance
        self.distributions = distributions
        self.formats = formats
        self.state = state
        self.created = created
        self.modified = modified
    }
}

/// One entry of the hash-chained change log: the activity stream and, later, the federation feed.
public struct ChangeEntry: Codable, Sendable, Equatable {
    public var seq: Int64
    public var prevHash: String
    public var hash: String
    public var kind: String
    public var entityID: String
    public var entitySlug: String
    public var op: String
    public var contentHash: String
    public var at: Date
    public var actor: String?
    public var summary: String

    enum CodingKeys: String, CodingKey {
        case seq
        case prevHash = "prev_hash"
        case hash, kind
        case entityID = "id"
        case entitySlug = "slug"
        case op
        case contentHash = "content_hash"
        case at, actor, summary
    }

    public static let genesisHash = String(repeating: "0", count: 64)

    /// The entry's own hash covers every field and the previous hash, so a follower can verify order
    /// and integrity without trusting the transport.
    public static func chainHash(
        seq: Int64, prevHash: String, kind: String, entityID: String, entitySlug: String, op: String,
        contentHash: String, at: Date, actor: String?, summary: String
    ) -> String {
        let fields = [
            String(seq), prevHash, kind, entityID, entitySlug, op, contentHash, Timestamp.string(at), actor ?? "", summary,
        ]
        return SHA256Hex.of(fields.joined(separator: "\n"))
    }

    /// Builds the entry that follows `previous` (or the genesis hash) for `draft`.
    public static func next(after previous: (seq: Int64, hash: String)?, draft: ChangeDraft) -> ChangeEntry {
        let seq = (previous?.seq ?? 0) + 1
        let prev = previous?.hash ?? genesisHash
        let hash = chainHash(
            seq: seq, prevHash: prev, kind: draft.kind, entityID: draft.entityID, entitySlug: draft.entitySlug,
            op: draft.op, contentHash: draft.contentHash, at: draft.at, actor: draft.actor, summary: draft.summary)
        return ChangeEntry(
            seq: seq, prevHash: prev, hash: hash, kind: draft.kind, entityID: draft.entityID,
            entitySlug: draft.entitySlug, op: draft.op, contentHash: draft.contentHash, at: draft.at,
            actor: draft.actor, summary: draft.summary)
    }

    public var verifies: Bool {
        hash
            == Self.chainHash(
                seq: seq, prevHash: prevHash, kind: kind, entityID: entityID, entitySlug: entitySlug, op: op,
                contentHash: contentHash, at: at, actor: actor, summary: summary)
    }
}

/// What a write says about itself; the store turns it into a chained `ChangeEntry` inside the write's transaction.
public struct ChangeDraft: Sendable, Equatable {
    public var kind: String
    public var entityID: String
    public var entitySlug: String
    public var op: String
    public var contentHash: String
    public var at: Date
    public var actor: String?
    public var summary: String

    public init(
        kind: String, entityID: String, entitySlug: String, op: String, contentHash: String, at: Date,
        actor: String?, summary: String
    ) {
        self.kind = kind
        self.entityID = entityID
        self.entitySlug = entitySlug
        self.op = op
        self.contentHash = contentHash
        self.at = at
        self.actor = actor
        self.summary = summary
    }
}

public struct Account: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var displayName: String
    public var email: String?
    public var isSiteAdmin: Bool
    public var created: Date

    enum CodingKeys: String, CodingKey {
        case id, name
        case displayName = "display_name"
        case email
        case isSiteAdmin = "site_admin"
        case created
    }

    public init(id: String, name: String, displayName: String, email: String? = nil, isSiteAdmin: Bool, created: Date) {
        self.id = id
        self.name = name
        self.displayName = displayName
        self.email = email
        self.isSiteAdmin = isSiteAdmin
        self.created = created
    }
}

public enum MemberRole: String, Codable, Sendable, CaseIterable, Comparable {
    case editor, admin

    public static func < (a: MemberRole, b: MemberRole) -> Bool { a == .editor && b == .admin }
}

public struct Membership: Codable, Sendable, Equatable {
    public var publisherID: String
    public var accountID: String
    public var role: MemberRole

    enum CodingKeys: String, CodingKey {
        case publisherID = "publisher_id"
        case accountID = "account_id"
        case role
    }

    public init(publisherID: String, accountID: String, role: MemberRole) {
        self.publisherID = publisherID
        self.accountID = accountID
        self.role = role
    }
}

/// An API token as stored: only the SHA-256 of the secret is kept.
public struct APIToken: Codable, Sendable, Equatable {
    public var id: String
    public var accountID: String
    public var tokenHash: String
    public var label: String
    public var created: Date

    public init(id: String, accountID: String, tokenHash: String, label: String, created: Date) {
        self.id = id
        self.accountID = accountID
        self.tokenHash = tokenHash
        self.label = label
        self.created = created
    }
}
