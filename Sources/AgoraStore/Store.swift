import AgoraCore
import Foundation
import Synchronization

/// A catalogue write, applied with its change-log entry in one transaction.
public enum CatalogWrite: Sendable {
    case createPublisher(Publisher)
    case updatePublisher(Publisher)
    case createDataset(Dataset)
    case updateDataset(Dataset)
    case createTable(DataTable)
}

public enum DatasetSort: String, Sendable, CaseIterable {
    /// Best match first when there is search text, newest change first otherwise.
    case relevance
    /// Newest change first.
    case modified
    /// Oldest change first: the order harvesters page in, so a dataset changed mid-run moves behind them.
    case modifiedAscending = "modified_asc"
    /// Newest dataset first.
    case created
    /// Alphabetical by title.
    case title
}

public struct DatasetQuery: Sendable, Equatable, Hashable {
    public var text: String?
    public var publisher: String?
    public var tags: [String]
    public var themes: [String]
    public var licence: String?
    public var format: String?
    public var isOpen: Bool?
    public var modifiedSince: Date?
    public var sort: DatasetSort
    public var offset: Int
    public var limit: Int
    public var facetLimit: Int

    public init(
        text: String? = nil, publisher: String? = nil, tags: [String] = [], themes: [String] = [],
        licence: String? = nil, format: String? = nil, isOpen: Bool? = nil, modifiedSince: Date? = nil,
        sort: DatasetSort = .relevance, offset: Int = 0, limit: Int = 20, facetLimit: Int = 10
    ) {
        self.text = text
        self.publisher = publisher
        self.tags = tags
        self.themes = themes
        self.licence = licence
        self.format = format
        self.isOpen = isOpen
        self.modifiedSince = modifiedSince
        self.sort = sort
        self.offset = offset
        self.limit = limit
        self.facetLimit = facetLimit
    }

    /// The words of the search text, lowercased (see `SearchWords`).
    public var searchTerms: [String] { text.map { SearchWords.of($0, limit: 32) } ?? [] }
}

public struct FacetValue: Sendable, Equatable, Codable {
    public var value: String
    public var count: Int
    public init(value: String, count: Int) {
        self.value = value
        self.count = count
    }
}

public enum Facet: String, Sendable, CaseIterable, Codable {
    case publisher, tag, theme, licence, format, open
}

public struct DatasetSearchResult: Sendable {
    public var total: Int
    /// The matching datasets' stored JSON documents, in order.
    public var documents: [String]
    public var facets: [Facet: [FacetValue]]

    public init(total: Int, documents: [String], facets: [Facet: [FacetValue]]) {
        self.total = total
        self.documents = documents
        self.facets = facets
    }
}

/// Everything Agora keeps, behind one seam: the SQLite and PostgreSQL implementations pass the same
/// conformance suite. Methods take and return plain values; a duplicate slug is `Problem.conflict`.
public protocol Store: Sendable {
    // MARK: Harvesting
    func harvestSources() async throws -> [HarvestSource]
    /// Adds or replaces a source (by id).
    func saveHarvestSource(_ source: HarvestSource) async throws
    func addHarvestRun(_ run: HarvestRun) async throws
    /// A source's runs, newest first.
    func harvestRuns(sourceID: String, limit: Int) async throws -> [HarvestRun]
    /// Claims a source for one run until `until`, so servers sharing a store never harvest it at once;
    /// false while another claim made before `now` still holds.
    func claimHarvestSource(id: String, now: Date, until: Date) async throws -> Bool
    func releaseHarvestSource(id: String) async throws

    // MARK: Catalogue
    func publishers() async throws -> [Publisher]
    func publisher(slug: String) async throws -> Publisher?
    /// Every publisher's title by slug, without decoding whole records: what search labels need.
    func publisherTitles() async throws -> [String: String]
    /// Active datasets per publisher slug.
    func datasetCounts() async throws -> [String: Int]
    func dataset(slug: String) async throws -> Dataset?
    /// A dataset by its id, as clients that kept an id (CKAN's) ask for it.
    func dataset(id: String) async throws -> Dataset?
    /// Every active dataset's slug, in order: what CKAN's package_list answers.
    func datasetSlugs(offset: Int, limit: Int) async throws -> [String]
    /// The dataset holding distribution `id` (deleted ones included), as CKAN's resource actions ask.
    func dataset(distributionID id: String) async throws -> Dataset?
    func searchDatasets(_ query: DatasetQuery) async throws -> DatasetSearchResult
    /// Applies `write` and appends its change-log entry atomically; returns the entry.
    @discardableResult
    func apply(_ write: CatalogWrite, change: ChangeDraft) async throws -> ChangeEntry

    // MARK: Tables
    func table(id: String) async throws -> DataTable?
    /// The number of the version a table serves (0 before its first load); nil for no such table.
    /// Cheap, so a reader can check a cached table on every request.
    func currentTableVersion(id: String) async throws -> Int?
    func tables(datasetID: String) async throws -> [DataTable]
    func table(distributionID: String) async throws -> DataTable?
    /// Every version of a table, newest first.
    func tableVersions(tableID: String) async throws -> [TableVersion]
    /// Numbers `version` as the table's next version, makes it the one served and appends `change`,
    /// atomically; returns the version as stored.
    func publishTableVersion(_ version: TableVersion, change: ChangeDraft) async throws -> TableVersion

    // MARK: Change log
    func history(entityID: String, limit: Int) async throws -> [ChangeEntry]
    func changes(after seq: Int64, limit: Int) async throws -> [ChangeEntry]
    /// The newest sequence number, 0 for an empty log.
    func headSeq() async throws -> Int64

    // MARK: People
    func insertAccount(_ account: Account) async throws
    func account(id: String) async throws -> Account?
    func account(name: String) async throws -> Account?
    func accounts() async throws -> [Account]
    func insertToken(_ token: APIToken) async throws
    func account(tokenHash: String) async throws -> Account?
    /// The account's tokens (their hashes, never secrets), oldest first.
    func tokens(accountID: String) async throws -> [APIToken]
    /// Deletes one of the account's tokens; false when it has no such token.
    func deleteToken(id: String, accountID: String) async throws -> Bool
    func setMembership(_ membership: Membership) async throws
    func removeMembership(publisherID: String, accountID: String) async throws -> Bool
    func memberships(accountID: String) async throws -> [Membership]
    func members(publisherID: String) async throws -> [Membership]

    func close() async throws
}

/// Lists are stored as one text column with a unit separator around every item, so a filter is a
/// substring test for "\u{1F}item\u{1F}".
enum PackedList {
    static func pack(_ items: [String]) -> String {
        items.isEmpty ? "" : "\u{1F}" + items.joined(separator: "\u{1F}") + "\u{1F}"
    }

    static func needle(_ item: String) -> String { "\u{1F}\(item)\u{1F}" }
}

/// Facet values are interned as small integers (the store's `facet_value` table), and each dataset
/// keeps its codes as a little-endian UInt32 blob: counting facets over thousands of matches is then
/// integer work, with no text to split or hash.
enum FacetCodes {
    /// Every (facet, value) a dataset is counted under.
    static func values(of d: Dataset) -> [(facet: Facet, value: String)] {
        var out: [(Facet, String)] = [
            (.publisher, d.publisher), (.licence, d.licence ?? "notspecified"), (.open, d.isOpen ? "true" : "false"),
        ]
        out += d.tags.map { (.tag, $0) }
        out += d.themes.map { (.theme, $0) }
        out += d.formats.map { (.format, $0) }
        return out
    }

    static func pack(_ codes: [Int64]) -> Data {
        var data = Data(capacity: codes.count * 4)
        for code in codes {
            var little = UInt32(truncatingIfNeeded: code).littleEndian
            withUnsafeBytes(of: &little) { data.append(contentsOf: $0) }
        }
        return data
    }
}

/// Counts interned facet codes; resolves them to values once, at the end.
struct FacetCounter {
    private(set) var total = 0
    private var counts: [Int] = []

    mutating func add<Bytes: Collection>(codes bytes: Bytes) where Bytes.Element == UInt8, Bytes.Index == Int {
        total += 1
        var i = bytes.startIndex
        while i + 3 < bytes.endIndex {
            let code = Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24
            if code >= counts.count { counts += Array(repeating: 0, count: max(code + 1 - counts.count, 256)) }
            counts[code] += 1
            i += 4
        }
    }

    /// The codes that were seen, for resolving.
    var seenCodes: [Int] { counts.indices.filter { counts[$0] > 0 } }

    func result(values: [Int: (facet: Facet, value: String)], limit: Int) -> [Facet: [FacetValue]] {
        var out: [Facet: [FacetValue]] = Dictionary(uniqueKeysWithValues: Facet.allCases.map { ($0, []) })
        for (code, count) in counts.enumerated() where count > 0 {
            guard let (facet, value) = values[code] else { continue }
            out[facet, default: []].append(FacetValue(value: value, count: count))
        }
        return out.mapValues { Array($0.sorted { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }.prefix(limit)) }
    }
}

/// The in-process copy of `facet_value`. Codes never change meaning, so the copy only grows; an
/// unknown code (written by another process) triggers a reload.
final class FacetDictionary: Sendable {
    private let values = Mutex<[Int: (facet: Facet, value: String)]>([:])

    /// The values, when every one of `codes` is known already.
    func known(_ codes: [Int]) -> [Int: (facet: Facet, value: String)]? {
        let known = values.withLock { $0 }
        return codes.allSatisfy({ known[$0] != nil }) ? known : nil
    }

    /// Replaces the copy with the table's rows (code, facet, value) and returns it.
    func reload(_ rows: [(Int, String, String)]) -> [Int: (facet: Facet, value: String)] {
        var fresh: [Int: (facet: Facet, value: String)] = [:]
        for (code, facet, value) in rows {
            if let f = Facet(rawValue: facet) { fresh[code] = (f, value) }
        }
        values.withLock { $0 = fresh }
        return fresh
    }
}

/// Orders a text search's matches by a sort key read with each match: ascending for titles,
/// newest (or best-ranked) first otherwise; row ids break ties the same way.
enum MatchOrder {
    static func ordered(_ matches: [(rid: Int64, key: String)], ascending: Bool) -> [Int64] {
        (ascending
            ? matches.sorted { ($0.key, $0.rid) < ($1.key, $1.rid) }
            : matches.sorted { ($0.key, $0.rid) > ($1.key, $1.rid) }).map(\.rid)
    }
}

/// How text search ranks without a per-row scoring function: every word in the title counts most,
/// then every word in the tags and themes; ties go to the newest dataset.
struct RelevanceRanker {
    var title: Set<Int64>
    var tags: Set<Int64>

    func score(_ rid: Int64) -> Int { (title.contains(rid) ? 4 : 0) + (tags.contains(rid) ? 2 : 0) }
}

extension Dataset {
    /// The text the full-text index holds for this dataset, per weighted field.
    var searchTags: String { (tags + themes).joined(separator: " ") }
}

extension ChangeDraft {
    public static func contentHash<T: Encodable>(of value: T) throws -> String {
        SHA256Hex.of(try AgoraJSON.encoder().encode(value))
    }
}

/// Remembers the total and facet counts of recent searches until the next catalogue write (the
/// change log's head moves), so paging through results and the home page's browse-all do not
/// recount the whole catalogue. Bounded; entries of an older head are dropped first.
final class FacetCache: Sendable {
    static let capacity = 512
    /// Facets are stored with this many values so any requested facet_limit can be served.
    static let storedFacetValues = 100

    struct Key: Hashable {
        var query: DatasetQuery
        init(_ q: DatasetQuery) {
            query = q
            query.offset = 0
            query.limit = 0
            query.facetLimit = 0
            // Facets do not depend on the order; a text search's cached matches do.
            if q.searchTerms.isEmpty { query.sort = .relevance }
        }
    }
    struct Entry {
        var head: Int64
        var total: Int
        var facets: [Facet: [FacetValue]]
        /// For text searches: every match's row id, in the query's order.
        var ranked: [Int64]?
    }

    private let entries = Mutex<[Key: Entry]>([:])

    func get(_ query: DatasetQuery, head: Int64) -> Entry? {
        entries.withLock { all in
            guard let entry = all[Key(query)], entry.head == head else { return nil }
            return entry
        }
    }

    func put(_ query: DatasetQuery, head: Int64, total: Int, facets: [Facet: [FacetValue]], ranked: [Int64]? = nil) {
        entries.withLock { all in
            if all.count >= Self.capacity {
                all = all.filter { $0.value.head == head }
                if all.count >= Self.capacity, let victim = all.keys.randomElement() { all[victim] = nil }
            }
            all[Key(query)] = Entry(head: head, total: total, facets: facets, ranked: ranked)
        }
    }

    static func trim(_ facets: [Facet: [FacetValue]], to limit: Int) -> [Facet: [FacetValue]] {
        facets.mapValues { Array($0.prefix(limit)) }
    }
}
