import Foundation

/// A portal this hub copies datasets from, on a schedule.
public struct HarvestSource: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case ckan, dcat }

    public var id: String
    public var kind: Kind
    /// A CKAN site's root (its Action API is below it) or a DCAT catalogue's first page.
    public var url: String
    /// The publisher the copies are filed under.
    public var publisher: String
    public var created: Date
    /// When the last complete, error-free run started: a CKAN source's next run asks only for what
    /// changed since. Nil before the first good run and after a failed one, so the next run is full.
    public var lastGoodRunStarted: Date?
    public var lastRun: HarvestRun?

    enum CodingKeys: String, CodingKey {
        case id, kind, url, publisher, created
        case lastGoodRunStarted = "last_good_run_started"
        case lastRun = "last_run"
    }

    public init(id: String, kind: Kind, url: String, publisher: String, created: Date) {
        self.id = id
        self.kind = kind
        self.url = url
        self.publisher = publisher
        self.created = created
    }
}

/// What one harvest run did, kept as the source's history.
public struct HarvestRun: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case ok, failed }

    public var id: String
    public var sourceID: String
    public var started: Date
    public var finished: Date
    public var status: Status
    /// Full (every dataset, deletions found) or incremental (changed since the last good run).
    public var full: Bool
    public var pages: Int
    public var created: Int
    public var updated: Int
    public var unchanged: Int
    public var deleted: Int
    /// Datasets skipped, each with why (a slug held by a local dataset, invalid metadata).
    public var skipped: [String]
    /// Why the run stopped, naming the page at fault.
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case id
        case sourceID = "source_id"
        case started, finished, status, full, pages, created, updated, unchanged, deleted, skipped, error
    }

    public init(id: String, sourceID: String, started: Date, full: Bool) {
        self.id = id
        self.sourceID = sourceID
        self.started = started
        self.finished = started
        self.status = .ok
        self.full = full
        self.pages = 0
        self.created = 0
        self.updated = 0
        self.unchanged = 0
        self.deleted = 0
        self.skipped = []
    }
}
