import AgoraCore
import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode (or memory, for tests), several readers, one writer.
public struct SQLiteStore: Store {
    let writer: any DatabaseWriter
    let facetCache = FacetCache()
    let facetDictionary = FacetDictionary()

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -32768")
            try db.execute(sql: "PRAGMA mmap_size = 268435456")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        writer = pool
        try Self.migrator.migrate(pool)
    }

    /// A private in-memory database, for tests.
    public static func inMemory() throws -> SQLiteStore { try SQLiteStore(queue: DatabaseQueue()) }

    init(queue: DatabaseQueue) throws {
        writer = queue
        try Self.migrator.migrate(queue)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-catalogue-people-changelog") { db in
            try db.execute(
                sql: """
                    CREATE TABLE publisher (
                        id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE, title TEXT NOT NULL, doc TEXT NOT NULL);
                    CREATE TABLE dataset (
                        rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, slug TEXT NOT NULL UNIQUE,
                        publisher TEXT NOT NULL, title TEXT NOT NULL COLLATE NOCASE, licence TEXT,
                        is_open INTEGER NOT NULL, tags TEXT NOT NULL, themes TEXT NOT NULL, formats TEXT NOT NULL,
                        state TEXT NOT NULL, created TEXT NOT NULL, modified TEXT NOT NULL, facet_codes BLOB NOT NULL);
                    CREATE TABLE facet_value (
                        code INTEGER PRIMARY KEY, facet TEXT NOT NULL, value TEXT NOT NULL, UNIQUE (facet, value));
                    -- Documents live apart from the columns search scans, so a scan touches a tenth of the bytes.
                    CREATE TABLE dataset_doc (rid INTEGER PRIMARY KEY REFERENCES dataset(rid), doc TEXT NOT NULL);
                    CREATE INDEX dataset_modified ON dataset(modified);
                    CREATE INDEX dataset_created ON dataset(created);
                    CREATE INDEX dataset_title ON dataset(title);
                    CREATE INDEX dataset_publisher ON dataset(publisher);
                    CREATE VIRTUAL TABLE dataset_fts USING fts5(
                        title, description, tags, publisher, tokenize = 'porter unicode61 remove_diacritics 2');
                    CREATE TABLE change_log (
                        seq INTEGER PRIMARY KEY, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, kind TEXT NOT NULL,
                        entity_id TEXT NOT NULL, entity_slug TEXT NOT NULL, op TEXT NOT NULL,
                        content_hash TEXT NOT NULL, at TEXT NOT NULL, actor TEXT, summary TEXT NOT NULL);
                    CREATE INDEX change_log_entity ON change_log(entity_id, seq);
                    CREATE TABLE account (
                        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, email TEXT,
                        is_site_admin INTEGER NOT NULL, created TEXT NOT NULL);
                    CREATE TABLE api_token (
                        id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES account(id),
                        token_hash TEXT NOT NULL UNIQUE, label TEXT NOT NULL, created TEXT NOT NULL);
                    CREATE TABLE membership (
                        publisher_id TEXT NOT NULL REFERENCES publisher(id),
                        account_id TEXT NOT NULL REFERENCES account(id), role TEXT NOT NULL,
                        PRIMARY KEY (publisher_id, account_id));
                    """)
        }
        migrator.registerMigration("v2-tables") { db in
            try db.execute(
                sql: """
                    CREATE TABLE data_table (
                        id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, distribution_id TEXT NOT NULL UNIQUE,
                        current_version INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL);
                    CREATE INDEX data_table_dataset ON data_table(dataset_id);
                    CREATE TABLE data_table_version (
                        table_id TEXT NOT NULL REFERENCES data_table(id), version INTEGER NOT NULL, doc TEXT NOT NULL,
                        PRIMARY KEY (table_id, version));
                    """)
        }
        migrator.registerMigration("v3-harvest") { db in
            try db.execute(
                sql: """
                    CREATE TABLE harvest_source (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
                    CREATE TABLE harvest_run (id TEXT PRIMARY KEY, source_id TEXT NOT NULL, doc TEXT NOT NULL);
                    CREATE INDEX harvest_run_source ON harvest_run(source_id, id);
                    """)
        }
        migrator.registerMigration("v4-distribution-index") { db in
            try db.execute(
                sql: """
                    CREATE TABLE distribution_index (id TEXT PRIMARY KEY, rid INTEGER NOT NULL REFERENCES dataset(rid));
                    CREATE INDEX distribution_index_rid ON distribution_index(rid);
                    INSERT OR IGNORE INTO distribution_index (id, rid)
                        SELECT json_extract(d.value, '$.id'), dd.rid FROM dataset_doc dd, json_each(dd.doc, '$.distributions') d;
                    """)
        }
        migrator.registerMigration("v5-harvest-lease") { db in
            try db.execute(sql: "ALTER TABLE harvest_source ADD COLUMN lease_until TEXT")
        }
        return migrator
    }

    // MARK: Harvesting

    public func claimHarvestSource(id: String, now: Date, until: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE harvest_source SET lease_until = ? WHERE id = ? AND (lease_until IS NULL OR lease_until < ?)",
                arguments: [Timestamp.string(until), id, Timestamp.string(now)])
            return db.changesCount == 1
        }
    }

    public func releaseHarvestSource(id: String) async throws {
        try await writer.write { db in try db.execute(sql: "UPDATE harvest_source SET lease_until = NULL WHERE id = ?", arguments: [id]) }
    }

    public func harvestSources() async throws -> [HarvestSource] {
        let docs = try await writer.read { db in try String.fetchAll(db, sql: "SELECT doc FROM harvest_source ORDER BY id") }
        return try docs.map { try AgoraJSON.decode(HarvestSource.self, from: $0) }
    }

    public func saveHarvestSource(_ source: HarvestSource) async throws {
        let doc = try AgoraJSON.encodeString(source)
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO harvest_source (id, doc) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
                arguments: [source.id, doc])
        }
    }

    public func addHarvestRun(_ run: HarvestRun) async throws {
        let doc = try AgoraJSON.encodeString(run)
        try await writer.write { db in
            try db.execute(sql: "INSERT INTO harvest_run (id, source_id, doc) VALUES (?, ?, ?)", arguments: [run.id, run.sourceID, doc])
        }
    }

    public func harvestRuns(sourceID: String, limit: Int) async throws -> [HarvestRun] {
        let docs = try await writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT doc FROM harvest_run WHERE source_id = ? ORDER BY id DESC LIMIT ?", arguments: [sourceID, limit])
        }
        return try docs.map { try AgoraJSON.decode(HarvestRun.self, from: $0) }
    }

    // MARK: Catalogue

    public func publishers() async throws -> [Publisher] {
        let docs = try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT doc FROM publisher ORDER BY title")
        }
        return try docs.map { try AgoraJSON.decode(Publisher.self, from: $0) }
    }

    public func publisher(slug: String) async throws -> Publisher? {
        let doc = try await writer.read { db in
            try String.fetchOne(db, sql: "SELECT doc FROM publisher WHERE slug = ?", arguments: [slug])
        }
        return try doc.map { try AgoraJSON.decode(Publisher.self, from: $0) }
    }

    public func publisherTitles() async throws -> [String: String] {
        try await writer.read { db in
            var titles: [String: String] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT slug, title FROM publisher")
            while let row = try rows.next() { titles[row[0]] = row[1] }
            return titles
        }
    }

    public func datasetCounts() async throws -> [String: Int] {
        try await writer.read { db in
            var counts: [String: Int] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT publisher, count(*) FROM dataset WHERE state = 'active' GROUP BY publisher")
            while let row = try rows.next() { counts[row[0]] = row[1] }
            return counts
        }
    }

    public func dataset(slug: String) async throws -> Dataset? {
        let doc = try await writer.read { db in
            try String.fetchOne(
                db, sql: "SELECT dd.doc FROM dataset d JOIN dataset_doc dd ON dd.rid = d.rid WHERE d.slug = ?", arguments: [slug])
        }
        return try doc.map { try AgoraJSON.decode(Dataset.self, from: $0) }
    }

    public func dataset(id: String) async throws -> Dataset? {
        let doc = try await writer.read { db in
            try String.fetchOne(
                db, sql: "SELECT dd.doc FROM dataset d JOIN dataset_doc dd ON dd.rid = d.rid WHERE d.id = ?", arguments: [id])
        }
        return try doc.map { try AgoraJSON.decode(Dataset.self, from: $0) }
    }

    public func datasetSlugs(offset: Int, limit: Int) async throws -> [String] {
        try await writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT slug FROM dataset WHERE state = 'active' ORDER BY slug LIMIT ? OFFSET ?", arguments: [limit, offset])
        }
    }

    public func dataset(distributionID id: String) async throws -> Dataset? {
        let doc = try await writer.read { db in
            try String.fetchOne(
                db, sql: "SELECT dd.doc FROM distribution_index di JOIN dataset_doc dd ON dd.rid = di.rid WHERE di.id = ?", arguments: [id])
        }
        return try doc.map { try AgoraJSON.decode(Dataset.self, from: $0) }
    }

    /// Keeps the distribution-id index of one dataset in step with its document.
    static func indexDistributions(_ dataset: Dataset, rid: Int64, db: Database) throws {
        try db.execute(sql: "DELETE FROM distribution_index WHERE rid = ?", arguments: [rid])
        for distribution in dataset.distributions {
            try db.execute(sql: "INSERT OR REPLACE INTO distribution_index (id, rid) VALUES (?, ?)", arguments: [distribution.id, rid])
        }
    }

    public func searchDatasets(_ query: DatasetQuery) async throws -> DatasetSearchResult {
        let (facetCache, facetDictionary) = (facetCache, facetDictionary)
        return try await writer.read { db in
            let head = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM change_log") ?? 0
            // Unary + keeps the planner from driving a text search through a column index.
            var conditions = ["+d.state = 'active'"]
            var arguments: [any DatabaseValueConvertible] = []
            if let publisher = query.publisher {
                conditions.append("d.publisher = ?")
                arguments.append(publisher)
            }
            for tag in query.tags {
                conditions.append("instr(d.tags, ?) > 0")
                arguments.append(PackedList.needle(tag))
            }
            for theme in query.themes {
                conditions.append("instr(d.themes, ?) > 0")
                arguments.append(PackedList.needle(theme))
            }
            if let licence = query.licence {
                conditions.append(licence == "notspecified" ? "(d.licence IS NULL OR d.licence = ?)" : "d.licence = ?")
                arguments.append(licence)
            }
            if let format = query.format {
                conditions.append("instr(d.formats, ?) > 0")
                arguments.append(PackedList.needle(format))
            }
            if let isOpen = query.isOpen {
                conditions.append("d.is_open = ?")
                arguments.append(isOpen)
            }
            if let since = query.modifiedSince {
                conditions.append("d.modified >= ?")
                arguments.append(Timestamp.string(since))
            }
            let whereClause = conditions.joined(separator: " AND ")
            let terms = query.searchTerms
            let order: String
            switch query.sort {
            case .relevance, .modified: order = "d.modified DESC, d.rid DESC"
            case .modifiedAscending: order = "d.modified, d.rid"
            case .created: order = "d.created DESC, d.rid DESC"
            case .title: order = "d.title, d.rid"
            }
            let cached = facetCache.get(query, head: head)
            var pageRIDs: [Int64]
            var total: Int
            var facets: [Facet: [FacetValue]]

            func countFacets(_ counter: FacetCounter) throws -> [Facet: [FacetValue]] {
                let values =
                    try facetDictionary.known(counter.seenCodes)
                    ?? facetDictionary.reload(
                        Row.fetchAll(db, sql: "SELECT code, facet, value FROM facet_value").map { ($0[0], $0[1], $0[2]) })
                return counter.result(values: values, limit: FacetCache.storedFacetValues)
            }

            if !terms.isEmpty {
                let all = terms.map { "\"\($0)\"" }.joined(separator: " ")
                let matchValues: [any DatabaseValueConvertible] = [all] + arguments
                if let cached, let ranked = cached.ranked {
                    (total, facets) = (cached.total, cached.facets)
                    pageRIDs = Array(ranked.dropFirst(query.offset).prefix(query.limit))
                } else {
                    // One pass over the matches counts the facets and collects each match's sort keys.
                    var counter = FacetCounter()
                    var matches: [(rid: Int64, key: String)] = []
                    // Relevance needs no per-row key: ties go to the newest dataset (highest row id).
                    let sortColumn: String
                    switch query.sort {
                    case .relevance: sortColumn = "''"
                    case .modified, .modifiedAscending: sortColumn = "d.modified"
                    case .created: sortColumn = "d.created"
                    case .title: sortColumn = "lower(d.title)"
                    }
                    let rows = try Row.fetchCursor(
                        db,
                        sql: """
                            SELECT d.rid, \(sortColumn), d.facet_codes FROM dataset_fts
                            JOIN dataset d ON d.rid = dataset_fts.rowid WHERE dataset_fts MATCH ? AND \(whereClause)
                            """,
                        arguments: StatementArguments(matchValues))
                    while let row = try rows.next() {
                        try row.withUnsafeData(atIndex: 2) { data in
                            data?.withUnsafeBytes { counter.add(codes: $0) }
                        }
                        matches.append((row[0], row[1]))
                    }
                    total = counter.total
                    facets = try countFacets(counter)
                    let ranked: [Int64]
                    switch query.sort {
                    case .relevance:
                        func ids(_ column: String) throws -> Set<Int64> {
                            let expression = "\(column) : (\(all))"
                            return Set(
                                try Int64.fetchAll(
                                    db, sql: "SELECT rowid FROM dataset_fts WHERE dataset_fts MATCH ?", arguments: [expression]))
                        }
                        let ranker = RelevanceRanker(title: try ids("title"), tags: try ids("tags"))
                        ranked = matches.map { (score: ranker.score($0.rid), rid: $0.rid) }.sorted {
                            ($0.score, $0.rid) > ($1.score, $1.rid)
                        }.map(\.rid)
                    case .title, .modified, .modifiedAscending, .created:
                        ranked = MatchOrder.ordered(matches, ascending: query.sort == .title || query.sort == .modifiedAscending)
                    }
                    pageRIDs = Array(ranked.dropFirst(query.offset).prefix(query.limit))
                    facetCache.put(query, head: head, total: total, facets: facets, ranked: ranked)
                }
            } else {
                if let cached {
                    (total, facets) = (cached.total, cached.facets)
                } else {
                    var counter = FacetCounter()
                    let rows = try Row.fetchCursor(
                        db, sql: "SELECT d.facet_codes FROM dataset d WHERE \(whereClause)", arguments: StatementArguments(arguments))
                    while let row = try rows.next() {
                        try row.withUnsafeData(atIndex: 0) { data in data?.withUnsafeBytes { counter.add(codes: $0) } }
                    }
                    total = counter.total
                    facets = try countFacets(counter)
                    facetCache.put(query, head: head, total: total, facets: facets)
                }
                pageRIDs = try Int64.fetchAll(
                    db, sql: "SELECT d.rid FROM dataset d WHERE \(whereClause) ORDER BY \(order) LIMIT ? OFFSET ?",
                    arguments: StatementArguments(arguments + [query.limit, query.offset]))
            }

            var docs: [Int64: String] = [:]
            if !pageRIDs.isEmpty {
                let placeholders = Array(repeating: "?", count: pageRIDs.count).joined(separator: ",")
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT rid, doc FROM dataset_doc WHERE rid IN (\(placeholders))", arguments: StatementArguments(pageRIDs))
                while let row = try rows.next() { docs[row[0]] = row[1] }
            }
            return DatasetSearchResult(
                total: total, documents: pageRIDs.compactMap { docs[$0] }, facets: FacetCache.trim(facets, to: query.facetLimit))
        }
    }

    public func apply(_ write: CatalogWrite, change: ChangeDraft) async throws -> ChangeEntry {
        do {
            return try await writer.write { db in
                switch write {
                case .createPublisher(let publisher):
                    try db.execute(
                        sql: "INSERT INTO publisher (id, slug, title, doc) VALUES (?, ?, ?, ?)",
                        arguments: [publisher.id, publisher.slug, publisher.title, try AgoraJSON.encodeString(publisher)])
                case .updatePublisher(let publisher):
                    try db.execute(
                        sql: "UPDATE publisher SET title = ?, doc = ? WHERE id = ?",
                        arguments: [publisher.title, try AgoraJSON.encodeString(publisher), publisher.id])
                    try db.execute(
                        sql: "UPDATE dataset_fts SET publisher = ? WHERE rowid IN (SELECT rid FROM dataset WHERE publisher = ?)",
                        arguments: [publisher.title, publisher.slug])
                case .createDataset(let dataset):
                    try db.execute(
                        sql: """
                            INSERT INTO dataset (id, slug, publisher, title, licence, is_open, tags, themes, formats,
                                state, created, modified, facet_codes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: Self.datasetColumns(dataset) + [try Self.facetCodes(dataset, db: db)])
                    let rid = db.lastInsertedRowID
                    try db.execute(
                        sql: "INSERT INTO dataset_doc (rid, doc) VALUES (?, ?)", arguments: [rid, try AgoraJSON.encodeString(dataset)])
                    try Self.index(dataset, rid: rid, db: db)
                case .updateDataset(let dataset):
                    var arguments = Self.datasetColumns(dataset)
                    arguments += [try Self.facetCodes(dataset, db: db), dataset.id]
                    try db.execute(
                        sql: """
                            UPDATE dataset SET id = ?, slug = ?, publisher = ?, title = ?, licence = ?, is_open = ?,
                                tags = ?, themes = ?, formats = ?, state = ?, created = ?, modified = ?, facet_codes = ?
                            WHERE id = ?
                            """,
                        arguments: arguments)
                    guard let rid = try Int64.fetchOne(db, sql: "SELECT rid FROM dataset WHERE id = ?", arguments: [dataset.id])
                    else { throw Problem.notFound("Dataset '\(dataset.slug)'") }
                    try db.execute(
                        sql: "UPDATE dataset_doc SET doc = ? WHERE rid = ?", arguments: [try AgoraJSON.encodeString(dataset), rid])
                    try db.execute(sql: "DELETE FROM dataset_fts WHERE rowid = ?", arguments: [rid])
                    try Self.index(dataset, rid: rid, db: db)
                    try Self.indexDistributions(dataset, rid: rid, db: db)
                case .createTable(let table):
                    try db.execute(
                        sql: "INSERT INTO data_table (id, dataset_id, distribution_id, current_version, doc) VALUES (?, ?, ?, 0, ?)",
                        arguments: [table.id, table.datasetID, table.distributionID, try AgoraJSON.encodeString(table)])
                }
                return try Self.appendChange(change, db: db)
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw Problem.conflict("The slug is already taken.", field: "slug")
        }
    }

    private static func datasetColumns(_ d: Dataset) -> StatementArguments {
        [
            d.id, d.slug, d.publisher, d.title, d.licence, d.isOpen, PackedList.pack(d.tags), PackedList.pack(d.themes),
            PackedList.pack(d.formats), d.state.rawValue, Timestamp.string(d.created), Timestamp.string(d.modified),
        ]
    }

    /// Interns the dataset's facet values and returns their codes, packed.
    private static func facetCodes(_ d: Dataset, db: Database) throws -> Data {
        var codes: [Int64] = []
        for (facet, value) in FacetCodes.values(of: d) {
            try db.execute(
                sql: "INSERT INTO facet_value (facet, value) VALUES (?, ?) ON CONFLICT (facet, value) DO NOTHING",
                arguments: [facet.rawValue, value])
            if let code = try Int64.fetchOne(
                db, sql: "SELECT code FROM facet_value WHERE facet = ? AND value = ?", arguments: [facet.rawValue, value])
            {
                codes.append(code)
            }
        }
        return FacetCodes.pack(codes)
    }

    private static func index(_ d: Dataset, rid: Int64, db: Database) throws {
        guard d.state == .active else { return }
        let publisherTitle = try String.fetchOne(db, sql: "SELECT title FROM publisher WHERE slug = ?", arguments: [d.publisher])
        try db.execute(
            sql: "INSERT INTO dataset_fts (rowid, title, description, tags, publisher) VALUES (?, ?, ?, ?, ?)",
            arguments: [rid, d.title, d.description, d.searchTags, publisherTitle ?? d.publisher])
    }

    private static func appendChange(_ draft: ChangeDraft, db: Database) throws -> ChangeEntry {
        let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM change_log ORDER BY seq DESC LIMIT 1")
        let previous: (seq: Int64, hash: String)? = head.map { (seq: $0[0], hash: $0[1]) }
        let entry = ChangeEntry.next(after: previous, draft: draft)
        try db.execute(
            sql: """
                INSERT INTO change_log (seq, prev_hash, hash, kind, entity_id, entity_slug, op, content_hash, at, actor, summary)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                entry.seq, entry.prevHash, entry.hash, entry.kind, entry.entityID, entry.entitySlug, entry.op,
                entry.contentHash, Timestamp.string(entry.at), entry.actor, entry.summary,
            ])
        return entry
    }

    // MARK: Tables

    public func table(id: String) async throws -> DataTable? {
        let doc = try await writer.read { db in try String.fetchOne(db, sql: "SELECT doc FROM data_table WHERE id = ?", arguments: [id]) }
        return try doc.map { try AgoraJSON.decode(DataTable.self, from: $0) }
    }

    public func currentTableVersion(id: String) async throws -> Int? {
        try await writer.read { db in
            try Int.fetchOne(db, sql: "SELECT current_version FROM data_table WHERE id = ?", arguments: [id])
        }
    }

    public func tables(datasetID: String) async throws -> [DataTable] {
        let docs = try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT doc FROM data_table WHERE dataset_id = ? ORDER BY id", arguments: [datasetID])
        }
        return try docs.map { try AgoraJSON.decode(DataTable.self, from: $0) }
    }

    public func table(distributionID: String) async throws -> DataTable? {
        let doc = try await writer.read { db in
            try String.fetchOne(db, sql: "SELECT doc FROM data_table WHERE distribution_id = ?", arguments: [distributionID])
        }
        return try doc.map { try AgoraJSON.decode(DataTable.self, from: $0) }
    }

    public func tableVersions(tableID: String) async throws -> [TableVersion] {
        let docs = try await writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT doc FROM data_table_version WHERE table_id = ? ORDER BY version DESC", arguments: [tableID])
        }
        return try docs.map { try AgoraJSON.decode(TableVersion.self, from: $0) }
    }

    public func publishTableVersion(_ version: TableVersion, change: ChangeDraft) async throws -> TableVersion {
        try await writer.write { db in
            guard let doc = try String.fetchOne(db, sql: "SELECT doc FROM data_table WHERE id = ?", arguments: [version.tableID])
            else { throw Problem.notFound("Table '\(version.tableID)'") }
            var table = try AgoraJSON.decode(DataTable.self, from: doc)
            var stored = version
            stored.version =
                try Int.fetchOne(
                    db, sql: "SELECT coalesce(max(version), 0) + 1 FROM data_table_version WHERE table_id = ?",
                    arguments: [version.tableID]) ?? 1
            table.current = stored
            table.modified = stored.created
            try db.execute(
                sql: "INSERT INTO data_table_version (table_id, version, doc) VALUES (?, ?, ?)",
                arguments: [stored.tableID, stored.version, try AgoraJSON.encodeString(stored)])
            try db.execute(
                sql: "UPDATE data_table SET current_version = ?, doc = ? WHERE id = ?",
                arguments: [stored.version, try AgoraJSON.encodeString(table), table.id])
            var draft = change
            draft.summary = change.summary.replacingOccurrences(of: "{version}", with: String(stored.version))
            _ = try Self.appendChange(draft, db: db)
            return stored
        }
    }

    // MARK: Change log

    private static let changeColumns =
        "seq, prev_hash, hash, kind, entity_id, entity_slug, op, content_hash, at, actor, summary"

    private static func changeEntry(_ row: Row) -> ChangeEntry {
        ChangeEntry(
            seq: row[0], prevHash: row[1], hash: row[2], kind: row[3], entityID: row[4], entitySlug: row[5], op: row[6],
            contentHash: row[7], at: Timestamp.parse(row[8]) ?? Date(timeIntervalSince1970: 0), actor: row[9],
            summary: row[10])
    }

    public func history(entityID: String, limit: Int) async throws -> [ChangeEntry] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.changeColumns) FROM change_log WHERE entity_id = ? ORDER BY seq DESC LIMIT ?",
                arguments: [entityID, limit]
            ).map(Self.changeEntry)
        }
    }

    public func changes(after seq: Int64, limit: Int) async throws -> [ChangeEntry] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.changeColumns) FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [seq, limit]
            ).map(Self.changeEntry)
        }
    }

    public func headSeq() async throws -> Int64 {
        try await writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM change_log") ?? 0
        }
    }

    // MARK: People

    private static func account(_ row: Row) -> Account {
        Account(
            id: row[0], name: row[1], displayName: row[2], email: row[3], isSiteAdmin: row[4],
            created: Timestamp.parse(row[5]) ?? Date(timeIntervalSince1970: 0))
    }
    private static let accountColumns = "a.id, a.name, a.display_name, a.email, a.is_site_admin, a.created"

    public func insertAccount(_ account: Account) async throws {
        do {
            try await writer.write { db in
                try db.execute(
                    sql: "INSERT INTO account (id, name, display_name, email, is_site_admin, created) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [
                        account.id, account.name, account.displayName, account.email, account.isSiteAdmin,
                        Timestamp.string(account.created),
                    ])
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw Problem.conflict("An account named '\(account.name)' already exists.", field: "name")
        }
    }

    public func account(id: String) async throws -> Account? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.accountColumns) FROM account a WHERE a.id = ?", arguments: [id])
                .map(Self.account)
        }
    }

    public func account(name: String) async throws -> Account? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.accountColumns) FROM account a WHERE a.name = ?", arguments: [name])
                .map(Self.account)
        }
    }

    public func accounts() async throws -> [Account] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.accountColumns) FROM account a ORDER BY a.name").map(Self.account)
        }
    }

    public func insertToken(_ token: APIToken) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO api_token (id, account_id, token_hash, label, created) VALUES (?, ?, ?, ?, ?)",
                arguments: [token.id, token.accountID, token.tokenHash, token.label, Timestamp.string(token.created)])
        }
    }

    public func account(tokenHash: String) async throws -> Account? {
        try await writer.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT \(Self.accountColumns) FROM api_token t JOIN account a ON a.id = t.account_id WHERE t.token_hash = ?",
                arguments: [tokenHash]
            ).map(Self.account)
        }
    }

    public func tokens(accountID: String) async throws -> [APIToken] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, account_id, token_hash, label, created FROM api_token WHERE account_id = ? ORDER BY id",
                arguments: [accountID]
            ).map {
                APIToken(
                    id: $0[0], accountID: $0[1], tokenHash: $0[2], label: $0[3],
                    created: Timestamp.parse($0[4]) ?? Date(timeIntervalSince1970: 0))
            }
        }
    }

    public func deleteToken(id: String, accountID: String) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM api_token WHERE id = ? AND account_id = ?", arguments: [id, accountID])
            return db.changesCount > 0
        }
    }

    public func setMembership(_ membership: Membership) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO membership (publisher_id, account_id, role) VALUES (?, ?, ?)
                    ON CONFLICT (publisher_id, account_id) DO UPDATE SET role = excluded.role
                    """,
                arguments: [membership.publisherID, membership.accountID, membership.role.rawValue])
        }
    }

    public func removeMembership(publisherID: String, accountID: String) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: "DELETE FROM membership WHERE publisher_id = ? AND account_id = ?", arguments: [publisherID, accountID])
            return db.changesCount > 0
        }
    }

    private static func membership(_ row: Row) -> Membership {
        Membership(publisherID: row[0], accountID: row[1], role: MemberRole(rawValue: row[2]) ?? .editor)
    }

    public func memberships(accountID: String) async throws -> [Membership] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT publisher_id, account_id, role FROM membership WHERE account_id = ? ORDER BY publisher_id",
                arguments: [accountID]
            ).map(Self.membership)
        }
    }

    public func members(publisherID: String) async throws -> [Membership] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT publisher_id, account_id, role FROM membership WHERE publisher_id = ? ORDER BY account_id",
                arguments: [publisherID]
            ).map(Self.membership)
        }
    }

    public func close() async throws {
        if let pool = writer as? DatabasePool { try pool.close() }
    }
}
