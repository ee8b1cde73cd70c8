import AgoraCore
import Foundation
import Logging
import PostgresNIO

/// The scale-out store: any number of `agora serve` processes share one PostgreSQL database.
public final class PostgresStore: Store {
    public let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    private let facetCache = FacetCache()
    private let facetDictionary = FacetDictionary()

    /// Connects to `url` (`postgres://user:password@host:port/database`, optionally `?schema=NAME` to keep
    /// Agora's tables in their own schema) and runs pending migrations.
    public init(url: String, logger: Logger = Logger(label: "agora.postgres")) async throws {
        self.logger = logger
        let (configuration, schema) = try Self.configuration(from: url)
        // The pool's own chatter (reconnects, shutdown) is only worth hearing when it is an error.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        client = PostgresClient(configuration: configuration, backgroundLogger: background)
        let client = client
        runner = Task { await client.run() }
        do {
            if let schema {
                try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\""), logger: logger)
            }
            try await migrate()
        } catch {
            runner.cancel()
            throw error
        }
    }

    static func configuration(from url: String) throws -> (PostgresClient.Configuration, schema: String?) {
        guard let components = URLComponents(string: url),
            ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let user = components.user
        else {
            throw Problem.badRequest(
                "The database URL must look like postgres://user:password@host:port/database.", field: "database")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var config = PostgresClient.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432, username: user,
            password: components.password, database: database.isEmpty ? user : database, tls: .disable)
        config.options.maximumConnections = 20
        let schema = components.queryItems?.first { $0.name == "schema" }?.value
        if let schema {
            guard Slug.problem(with: schema.replacingOccurrences(of: "_", with: "-")) == nil else {
                throw Problem.badRequest("The schema name may hold only lowercase letters, digits and underscores.", field: "database")
            }
            config.options.additionalStartupParameters = [("search_path", schema)]
        }
        return (config, schema)
    }

    public func close() async throws { runner.cancel() }

    // MARK: Queries

    /// Builds a statement with numbered parameters, for the queries whose shape depends on input.
    struct Statement {
        var sql = ""
        var binds = PostgresBindings()
        private var count = 0

        /// Appends a placeholder for `value` and returns it ("$3").
        mutating func bind<T: PostgresThrowingDynamicTypeEncodable>(_ value: T) throws -> String {
            try binds.append(value)
            count += 1
            return "$\(count)"
        }
        mutating func bind<T: PostgresThrowingDynamicTypeEncodable>(_ value: T?) throws -> String {
            try binds.append(value)
            count += 1
            return "$\(count)"
        }
        var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
    }

    private func transaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let logger = logger
        return try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    private static let migrations: [(name: String, sql: [String])] = [
        (
            "v1-catalogue-people-changelog",
            [
                "CREATE TABLE publisher (id text PRIMARY KEY, slug text NOT NULL UNIQUE, title text NOT NULL, doc text NOT NULL)",
                """
                CREATE TABLE dataset (
                    rid bigserial PRIMARY KEY, id text NOT NULL UNIQUE, slug text NOT NULL UNIQUE,
                    publisher text NOT NULL, title text NOT NULL, licence text, is_open boolean NOT NULL,
                    tags text NOT NULL, themes text NOT NULL, formats text NOT NULL, state text NOT NULL,
                    created text NOT NULL, modified text NOT NULL, doc text NOT NULL, search tsvector NOT NULL,
                    facet_codes bytea NOT NULL)
                """,
                "CREATE TABLE facet_value (code serial PRIMARY KEY, facet text NOT NULL, value text NOT NULL, UNIQUE (facet, value))",
                "CREATE INDEX dataset_state_modified ON dataset (state, modified)",
                "CREATE INDEX dataset_state_created ON dataset (state, created)",
                "CREATE INDEX dataset_state_title ON dataset (state, lower(title))",
                "CREATE INDEX dataset_publisher ON dataset (publisher, state)",
                "CREATE INDEX dataset_search ON dataset USING gin (search)",
                """
                CREATE TABLE change_log (
                    seq bigint PRIMARY KEY, prev_hash text NOT NULL, hash text NOT NULL, kind text NOT NULL,
                    entity_id text NOT NULL, entity_slug text NOT NULL, op text NOT NULL, content_hash text NOT NULL,
                    at text NOT NULL, actor text, summary text NOT NULL)
                """,
                "CREATE INDEX change_log_entity ON change_log (entity_id, seq)",
                """
                CREATE TABLE account (
                    id text PRIMARY KEY, name text NOT NULL UNIQUE, display_name text NOT NULL, email text,
                    is_site_admin boolean NOT NULL, created text NOT NULL)
                """,
                """
                CREATE TABLE api_token (
                    id text PRIMARY KEY, account_id text NOT NULL REFERENCES account(id),
                    token_hash text NOT NULL UNIQUE, label text NOT NULL, created text NOT NULL)
                """,
                """
                CREATE TABLE membership (
                    publisher_id text NOT NULL REFERENCES publisher(id), account_id text NOT NULL REFERENCES account(id),
                    role text NOT NULL, PRIMARY KEY (publisher_id, account_id))
                """,
            ]
        ),
        (
            "v2-tables",
            [
                """
                CREATE TABLE data_table (
                    id text PRIMARY KEY, dataset_id text NOT NULL, distribution_id text NOT NULL UNIQUE,
                    current_version integer NOT NULL DEFAULT 0, doc text NOT NULL)
                """,
                "CREATE INDEX data_table_dataset ON data_table (dataset_id)",
                """
                CREATE TABLE data_table_version (
                    table_id text NOT NULL REFERENCES data_table(id), version integer NOT NULL, doc text NOT NULL,
                    PRIMARY KEY (table_id, version))
                """,
            ]
        ),
        (
            "v3-harvest",
            [
                "CREATE TABLE harvest_source (id text PRIMARY KEY, doc text NOT NULL)",
                "CREATE TABLE harvest_run (id text PRIMARY KEY, source_id text NOT NULL, doc text NOT NULL)",
                "CREATE INDEX harvest_run_source ON harvest_run (source_id, id)",
            ]
        ),
        (
            "v4-distribution-index",
            [
                "CREATE TABLE distribution_index (id text PRIMARY KEY, dataset_id text NOT NULL)",
                "CREATE INDEX distribution_index_dataset ON distribution_index (dataset_id)",
                """
                INSERT INTO distribution_index (id, dataset_id)
                SELECT DISTINCT ON (d->>'id') d->>'id', dataset.id FROM dataset, jsonb_array_elements(dataset.doc::jsonb->'distributions') d
                ON CONFLICT DO NOTHING
                """,
            ]
        ),
        ("v5-harvest-lease", ["ALTER TABLE harvest_source ADD COLUMN lease_until text"]),
    ]

    // MARK: Harvesting

    public func harvestSources() async throws -> [HarvestSource] {
        try await strings("SELECT doc FROM harvest_source ORDER BY id").map { try AgoraJSON.decode(HarvestSource.self, from: $0) }
    }

    public func saveHarvestSource(_ source: HarvestSource) async throws {
        let doc = try AgoraJSON.encodeString(source)
        try await client.query(
            "INSERT INTO harvest_source (id, doc) VALUES (\(source.id), \(doc)) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
            logger: logger)
    }

    public func claimHarvestSource(id: String, now: Date, until: Date) async throws -> Bool {
        let (untilText, nowText) = (Timestamp.string(until), Timestamp.string(now))
        let claimed = try await strings(
            """
            UPDATE harvest_source SET lease_until = \(untilText)
            WHERE id = \(id) AND (lease_until IS NULL OR lease_until < \(nowText)) RETURNING id
            """)
        return claimed.count == 1
    }

    public func releaseHarvestSource(id: String) async throws {
        try await client.query("UPDATE harvest_source SET lease_until = NULL WHERE id = \(id)", logger: logger)
    }

    public func addHarvestRun(_ run: HarvestRun) async throws {
        let doc = try AgoraJSON.encodeString(run)
        try await client.query("INSERT INTO harvest_run (id, source_id, doc) VALUES (\(run.id), \(run.sourceID), \(doc))", logger: logger)
    }

    public func harvestRuns(sourceID: String, limit: Int) async throws -> [HarvestRun] {
        try await strings("SELECT doc FROM harvest_run WHERE source_id = \(sourceID) ORDER BY id DESC LIMIT \(limit)").map {
            try AgoraJSON.decode(HarvestRun.self, from: $0)
        }
    }

    private func migrate() async throws {
        try await transaction { connection in
            let logger = self.logger
            // Several servers may start at once: one migrates, the others wait and then find nothing to do.
            try await connection.query("SELECT pg_advisory_xact_lock(7310001)", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS agora_migration (name text PRIMARY KEY, applied text NOT NULL)", logger: logger)
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM agora_migration", logger: logger).decode(String.self) {
                applied.insert(name)
            }
            for migration in Self.migrations where !applied.contains(migration.name) {
                for sql in migration.sql { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                let now = Timestamp.string(Date())
                try await connection.query(
                    "INSERT INTO agora_migration (name, applied) VALUES (\(migration.name), \(now))", logger: logger)
            }
        }
    }

    private func strings(_ query: PostgresQuery) async throws -> [String] {
        var out: [String] = []
        for try await value in try await client.query(query, logger: logger).decode(String.self) { out.append(value) }
        return out
    }

    // MARK: Catalogue

    public func publishers() async throws -> [Publisher] {
        try await strings("SELECT doc FROM publisher ORDER BY title").map { try AgoraJSON.decode(Publisher.self, from: $0) }
    }

    public func publisher(slug: String) async throws -> Publisher? {
        try await strings("SELECT doc FROM publisher WHERE slug = \(slug)").first.map {
            try AgoraJSON.decode(Publisher.self, from: $0)
        }
    }

    public func publisherTitles() async throws -> [String: String] {
        var titles: [String: String] = [:]
        for try await (slug, title) in try await client.query("SELECT slug, title FROM publisher", logger: logger).decode(
            (String, String).self)
        {
            titles[slug] = title
        }
        return titles
    }

    public func datasetCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let rows = try await client.query(
            "SELECT publisher, count(*) FROM dataset WHERE state = 'active' GROUP BY publisher", logger: logger)
        for try await (publisher, count) in rows.decode((String, Int64).self) { counts[publisher] = Int(count) }
        return counts
    }

    public func dataset(slug: String) async throws -> Dataset? {
        try await strings("SELECT doc FROM dataset WHERE slug = \(slug)").first.map {
            try AgoraJSON.decode(Dataset.self, from: $0)
        }
    }

    public func dataset(id: String) async throws -> Dataset? {
        try await strings("SELECT doc FROM dataset WHERE id = \(id)").first.map { try AgoraJSON.decode(Dataset.self, from: $0) }
    }

    public func datasetSlugs(offset: Int, limit: Int) async throws -> [String] {
        try await strings("SELECT slug FROM dataset WHERE state = 'active' ORDER BY slug COLLATE \"C\" LIMIT \(limit) OFFSET \(offset)")
    }

    public func dataset(distributionID id: String) async throws -> Dataset? {
        try await strings(
            "SELECT d.doc FROM distribution_index di JOIN dataset d ON d.id = di.dataset_id WHERE di.id = \(id)"
        ).first.map { try AgoraJSON.decode(Dataset.self, from: $0) }
    }

    public func searchDatasets(_ query: DatasetQuery) async throws -> DatasetSearchResult {
        let head = try await headSeq()
        var statement = Statement()
        var conditions = ["state = 'active'"]
        let terms = query.searchTerms
        var tsquery: String?
        if !terms.isEmpty {
            let placeholder = try statement.bind(terms.joined(separator: " "))
            tsquery = "plainto_tsquery('english', \(placeholder))"
            conditions.append("search @@ \(tsquery!)")
        }
        if let publisher = query.publisher { conditions.append("publisher = \(try statement.bind(publisher))") }
        for tag in query.tags { conditions.append("strpos(tags, \(try statement.bind(PackedList.needle(tag)))) > 0") }
        for theme in query.themes {
            conditions.append("strpos(themes, \(try statement.bind(PackedList.needle(theme)))) > 0")
        }
        if let licence = query.licence {
            let placeholder = try statement.bind(licence)
            conditions.append(
                licence == "notspecified" ? "(licence IS NULL OR licence = \(placeholder))" : "licence = \(placeholder)")
        }
        if let format = query.format {
            conditions.append("strpos(formats, \(try statement.bind(PackedList.needle(format)))) > 0")
        }
        if let isOpen = query.isOpen { conditions.append("is_open = \(try statement.bind(isOpen))") }
        if let since = query.modifiedSince { conditions.append("modified >= \(try statement.bind(Timestamp.string(since)))") }
        let whereClause = conditions.joined(separator: " AND ")
        let order: String
        switch query.sort {
        case .relevance where tsquery != nil: order = "ts_rank(search, \(tsquery!)) DESC, modified DESC, rid DESC"
        case .relevance, .modified: order = "modified DESC, rid DESC"
        case .modifiedAscending: order = "modified, rid"
        case .created: order = "created DESC, rid DESC"
        case .title: order = "lower(title), rid"
        }

        var total: Int
        var facets: [Facet: [FacetValue]]
        let cached = facetCache.get(query, head: head)
        var pageRIDs: [Int64]?

        if let tsquery {
            if let cached, let ranked = cached.ranked {
                (total, facets) = (cached.total, cached.facets)
                pageRIDs = Array(ranked.dropFirst(query.offset).prefix(query.limit))
            } else {
                // One pass over the matches counts the facets and collects each match's sort key.
                let key: String
                switch query.sort {
                case .relevance: key = "to_char(ts_rank(search, \(tsquery)), 'FM000.000000000')"
                case .modified, .modifiedAscending: key = "modified"
                case .created: key = "created"
                case .title: key = "lower(title)"
                }
                var pass = statement
                pass.sql = "SELECT rid, \(key), facet_codes FROM dataset WHERE \(whereClause)"
                var counter = FacetCounter()
                var matches: [(rid: Int64, key: String)] = []
                for try await (rid, sortKey, codes) in try await client.query(pass.query, logger: logger).decode(
                    (Int64, String, ByteBuffer).self)
                {
                    counter.add(codes: codes.readableBytesView)
                    matches.append((rid, sortKey))
                }
                total = counter.total
                facets = counter.result(values: try await facetValues(counter.seenCodes), limit: FacetCache.storedFacetValues)
                let ordered = MatchOrder.ordered(matches, ascending: query.sort == .title || query.sort == .modifiedAscending)
                pageRIDs = Array(ordered.dropFirst(query.offset).prefix(query.limit))
                facetCache.put(query, head: head, total: total, facets: facets, ranked: ordered)
            }
        } else if let cached {
            (total, facets) = (cached.total, cached.facets)
        } else {
            var facetStatement = statement
            facetStatement.sql = "SELECT facet_codes FROM dataset WHERE \(whereClause)"
            var counter = FacetCounter()
            for try await codes in try await client.query(facetStatement.query, logger: logger).decode(ByteBuffer.self) {
                counter.add(codes: codes.readableBytesView)
            }
            total = counter.total
            facets = counter.result(values: try await facetValues(counter.seenCodes), limit: FacetCache.storedFacetValues)
            facetCache.put(query, head: head, total: total, facets: facets)
        }

        let documents: [String]
        if let pageRIDs {
            var docs: [Int64: String] = [:]
            if !pageRIDs.isEmpty {
                for try await (rid, doc) in try await client.query(
                    "SELECT rid, doc FROM dataset WHERE rid = ANY(\(pageRIDs))", logger: logger
                ).decode((Int64, String).self) {
                    docs[rid] = doc
                }
            }
            documents = pageRIDs.compactMap { docs[$0] }
        } else {
            let limit = try statement.bind(Int64(query.limit))
            let offset = try statement.bind(Int64(query.offset))
            statement.sql = "SELECT doc FROM dataset WHERE \(whereClause) ORDER BY \(order) LIMIT \(limit) OFFSET \(offset)"
            documents = try await strings(statement.query)
        }
        return DatasetSearchResult(total: total, documents: documents, facets: FacetCache.trim(facets, to: query.facetLimit))
    }

    private func facetValues(_ codes: [Int]) async throws -> [Int: (facet: Facet, value: String)] {
        if let known = facetDictionary.known(codes) { return known }
        var rows: [(Int, String, String)] = []
        for try await (code, facet, value) in try await client.query("SELECT code, facet, value FROM facet_value", logger: logger)
            .decode((Int32, String, String).self)
        {
            rows.append((Int(code), facet, value))
        }
        return facetDictionary.reload(rows)
    }

    private static func searchVector(title: String, tags: String, publisher: String, description: String) -> String {
        "setweight(to_tsvector('english', \(title)), 'A') || setweight(to_tsvector('english', \(tags)), 'B') || "
            + "setweight(to_tsvector('english', \(publisher)), 'C') || setweight(to_tsvector('english', \(description)), 'D')"
    }

    public func apply(_ write: CatalogWrite, change: ChangeDraft) async throws -> ChangeEntry {
        do {
            return try await transaction { connection in
                let logger = self.logger
                switch write {
                case .createPublisher(let publisher):
                    let doc = try AgoraJSON.encodeString(publisher)
                    try await connection.query(
                        "INSERT INTO publisher (id, slug, title, doc) VALUES (\(publisher.id), \(publisher.slug), \(publisher.title), \(doc))",
                        logger: logger)
                case .updatePublisher(let publisher):
                    let doc = try AgoraJSON.encodeString(publisher)
                    try await connection.query(
                        "UPDATE publisher SET title = \(publisher.title), doc = \(doc) WHERE id = \(publisher.id)", logger: logger)
                    let vector = Self.searchVector(
                        title: "title", tags: "replace(tags || themes, chr(31), ' ')", publisher: "$1",
                        description: "(doc::jsonb ->> 'description')")
                    var statement = Statement()
                    _ = try statement.bind(publisher.title)
                    statement.sql = "UPDATE dataset SET search = \(vector) WHERE publisher = \(try statement.bind(publisher.slug))"
                    try await connection.query(statement.query, logger: logger)
                case .createDataset(let dataset), .updateDataset(let dataset):
                    let codes = try await Self.facetCodes(dataset, connection: connection, logger: logger)
                    var statement = Statement()
                    var columns = try Self.bindDataset(dataset, into: &statement)
                    columns.append(try statement.bind(ByteBuffer(data: codes)))
                    let isCreate: Bool
                    if case .createDataset = write { isCreate = true } else { isCreate = false }
                    if isCreate {
                        statement.sql = """
                            INSERT INTO dataset (id, slug, publisher, title, licence, is_open, tags, themes, formats, state,
                                created, modified, doc, search, facet_codes)
                            VALUES (\(columns.joined(separator: ", ")))
                            """
                    } else {
                        let names = [
                            "id", "slug", "publisher", "title", "licence", "is_open", "tags", "themes", "formats", "state",
                            "created", "modified", "doc", "search", "facet_codes",
                        ]
                        let assignments = zip(names, columns).dropFirst().map { "\($0) = \($1)" }.joined(separator: ", ")
                        statement.sql = "UPDATE dataset SET \(assignments) WHERE id = \(columns[0])"
                    }
                    try await connection.query(statement.query, logger: logger)
                    try await connection.query("DELETE FROM distribution_index WHERE dataset_id = \(dataset.id)", logger: logger)
                    for distribution in dataset.distributions {
                        try await connection.query(
                            """
                            INSERT INTO distribution_index (id, dataset_id) VALUES (\(distribution.id), \(dataset.id))
                            ON CONFLICT (id) DO UPDATE SET dataset_id = excluded.dataset_id
                            """, logger: logger)
                    }
                case .createTable(let table):
                    let doc = try AgoraJSON.encodeString(table)
                    try await connection.query(
                        """
                        INSERT INTO data_table (id, dataset_id, distribution_id, current_version, doc)
                        VALUES (\(table.id), \(table.datasetID), \(table.distributionID), 0, \(doc))
                        """, logger: logger)
                }
                return try await Self.appendChange(change, connection: connection, logger: logger)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Problem.conflict("The slug is already taken.", field: "slug")
        }
    }

    /// Binds a dataset's columns and returns their placeholders, the search vector last.
    private static func bindDataset(_ d: Dataset, into statement: inout Statement) throws -> [String] {
        var columns = [
            try statement.bind(d.id), try statement.bind(d.slug), try statement.bind(d.publisher),
            try statement.bind(d.title), try statement.bind(d.licence), try statement.bind(d.isOpen),
            try statement.bind(PackedList.pack(d.tags)), try statement.bind(PackedList.pack(d.themes)),
            try statement.bind(PackedList.pack(d.formats)), try statement.bind(d.state.rawValue),
            try statement.bind(Timestamp.string(d.created)), try statement.bind(Timestamp.string(d.modified)),
            try statement.bind(try AgoraJSON.encodeString(d)),
        ]
        let publisherTitle = "coalesce((SELECT title FROM publisher WHERE slug = \(columns[2])), \(columns[2]))"
        columns.append(
            d.state == .active
                ? searchVector(
                    title: columns[3], tags: try statement.bind(d.searchTags), publisher: publisherTitle,
                    description: try statement.bind(d.description))
                : "''::tsvector")
        return columns
    }

    /// Interns the dataset's facet values and returns their codes, packed.
    private static func facetCodes(_ d: Dataset, connection: PostgresConnection, logger: Logger) async throws -> Data {
        var codes: [Int64] = []
        for (facet, value) in FacetCodes.values(of: d) {
            let name = facet.rawValue
            try await connection.query(
                "INSERT INTO facet_value (facet, value) VALUES (\(name), \(value)) ON CONFLICT (facet, value) DO NOTHING", logger: logger)
            for try await code in try await connection.query(
                "SELECT code FROM facet_value WHERE facet = \(name) AND value = \(value)", logger: logger
            ).decode(Int32.self) {
                codes.append(Int64(code))
            }
        }
        return FacetCodes.pack(codes)
    }

    private static func appendChange(
        _ draft: ChangeDraft, connection: PostgresConnection, logger: Logger
    ) async throws
        -> ChangeEntry
    {
        // Serialises appends across every server sharing the database, so the chain never forks.
        try await connection.query("SELECT pg_advisory_xact_lock(7310002)", logger: logger)
        var previous: (seq: Int64, hash: String)?
        for try await (seq, hash) in try await connection.query(
            "SELECT seq, hash FROM change_log ORDER BY seq DESC LIMIT 1", logger: logger
        ).decode((Int64, String).self) {
            previous = (seq, hash)
        }
        let e = ChangeEntry.next(after: previous, draft: draft)
        let at = Timestamp.string(e.at)
        try await connection.query(
            """
            INSERT INTO change_log (seq, prev_hash, hash, kind, entity_id, entity_slug, op, content_hash, at, actor, summary)
            VALUES (\(e.seq), \(e.prevHash), \(e.hash), \(e.kind), \(e.entityID), \(e.entitySlug), \(e.op),
                \(e.contentHash), \(at), \(e.actor), \(e.summary))
            """, logger: logger)
        return e
    }

    // MARK: Change log

    private func changeEntries(_ query: PostgresQuery) async throws -> [ChangeEntry] {
        var out: [ChangeEntry] = []
        let rows = try await client.query(query, logger: logger)
        for try await (seq, prev, hash, kind, id, slug, op, content, at, actor, summary) in rows.decode(
            (Int64, String, String, String, String, String, String, String, String, String?, String).self)
        {
            out.append(
                ChangeEntry(
                    seq: seq, prevHash: prev, hash: hash, kind: kind, entityID: id, entitySlug: slug, op: op,
                    contentHash: content, at: Timestamp.parse(at) ?? Date(timeIntervalSince1970: 0), actor: actor,
                    summary: summary))
        }
        return out
    }

    public func history(entityID: String, limit: Int) async throws -> [ChangeEntry] {
        try await changeEntries(
            """
            SELECT seq, prev_hash, hash, kind, entity_id, entity_slug, op, content_hash, at, actor, summary
            FROM change_log WHERE entity_id = \(entityID) ORDER BY seq DESC LIMIT \(Int64(limit))
            """)
    }

    public func changes(after seq: Int64, limit: Int) async throws -> [ChangeEntry] {
        try await changeEntries(
            """
            SELECT seq, prev_hash, hash, kind, entity_id, entity_slug, op, content_hash, at, actor, summary
            FROM change_log WHERE seq > \(seq) ORDER BY seq LIMIT \(Int64(limit))
            """)
    }

    public func headSeq() async throws -> Int64 {
        for try await seq in try await client.query("SELECT coalesce(max(seq), 0)::bigint FROM change_log", logger: logger)
            .decode(Int64.self)
        {
            return seq
        }
        return 0
    }

    // MARK: Tables

    public func table(id: String) async throws -> DataTable? {
        try await strings("SELECT doc FROM data_table WHERE id = \(id)").first.map { try AgoraJSON.decode(DataTable.self, from: $0) }
    }

    public func currentTableVersion(id: String) async throws -> Int? {
        for try await version in try await client.query("SELECT current_version FROM data_table WHERE id = \(id)", logger: logger)
            .decode(Int32.self)
        {
            return Int(version)
        }
        return nil
    }

    public func tables(datasetID: String) async throws -> [DataTable] {
        try await strings("SELECT doc FROM data_table WHERE dataset_id = \(datasetID) ORDER BY id").map {
            try AgoraJSON.decode(DataTable.self, from: $0)
        }
    }

    public func table(distributionID: String) async throws -> DataTable? {
        try await strings("SELECT doc FROM data_table WHERE distribution_id = \(distributionID)").first.map {
            try AgoraJSON.decode(DataTable.self, from: $0)
        }
    }

    public func tableVersions(tableID: String) async throws -> [TableVersion] {
        try await strings("SELECT doc FROM data_table_version WHERE table_id = \(tableID) ORDER BY version DESC").map {
            try AgoraJSON.decode(TableVersion.self, from: $0)
        }
    }

    public func publishTableVersion(_ version: TableVersion, change: ChangeDraft) async throws -> TableVersion {
        try await transaction { connection in
            let logger = self.logger
            var doc: String?
            for try await value in try await connection.query(
                "SELECT doc FROM data_table WHERE id = \(version.tableID) FOR UPDATE", logger: logger
            ).decode(String.self) {
                doc = value
            }
            guard let doc else { throw Problem.notFound("Table '\(version.tableID)'") }
            var table = try AgoraJSON.decode(DataTable.self, from: doc)
            var stored = version
            stored.version = 1
            for try await next in try await connection.query(
                "SELECT coalesce(max(version), 0) + 1 FROM data_table_version WHERE table_id = \(version.tableID)", logger: logger
            ).decode(Int32.self) {
                stored.version = Int(next)
            }
            table.current = stored
            table.modified = stored.created
            let versionDoc = try AgoraJSON.encodeString(stored)
            let tableDoc = try AgoraJSON.encodeString(table)
            let number = Int32(stored.version)
            try await connection.query(
                "INSERT INTO data_table_version (table_id, version, doc) VALUES (\(stored.tableID), \(number), \(versionDoc))",
                logger: logger)
            try await connection.query(
                "UPDATE data_table SET current_version = \(number), doc = \(tableDoc) WHERE id = \(table.id)", logger: logger)
            var draft = change
            draft.summary = change.summary.replacingOccurrences(of: "{version}", with: String(stored.version))
            _ = try await Self.appendChange(draft, connection: connection, logger: logger)
            return stored
        }
    }

    // MARK: People

    private func accountRows(_ query: PostgresQuery) async throws -> [Account] {
        var out: [Account] = []
        for try await (id, name, display, email, admin, created) in try await client.query(query, logger: logger).decode(
            (String, String, String, String?, Bool, String).self)
        {
            out.append(
                Account(
                    id: id, name: name, displayName: display, email: email, isSiteAdmin: admin,
                    created: Timestamp.parse(created) ?? Date(timeIntervalSince1970: 0)))
        }
        return out
    }

    public func insertAccount(_ a: Account) async throws {
        let created = Timestamp.string(a.created)
        do {
            try await client.query(
                """
                INSERT INTO account (id, name, display_name, email, is_site_admin, created)
                VALUES (\(a.id), \(a.name), \(a.displayName), \(a.email), \(a.isSiteAdmin), \(created))
                """, logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Problem.conflict("An account named '\(a.name)' already exists.", field: "name")
        }
    }

    public func account(id: String) async throws -> Account? {
        try await accountRows(
            "SELECT id, name, display_name, email, is_site_admin, created FROM account WHERE id = \(id)"
        ).first
    }

    public func account(name: String) async throws -> Account? {
        try await accountRows(
            "SELECT id, name, display_name, email, is_site_admin, created FROM account WHERE name = \(name)"
        ).first
    }

    public func accounts() async throws -> [Account] {
        try await accountRows("SELECT id, name, display_name, email, is_site_admin, created FROM account ORDER BY name")
    }

    public func insertToken(_ t: APIToken) async throws {
        let created = Timestamp.string(t.created)
        try await client.query(
            """
            INSERT INTO api_token (id, account_id, token_hash, label, created)
            VALUES (\(t.id), \(t.accountID), \(t.tokenHash), \(t.label), \(created))
            """, logger: logger)
    }

    public func account(tokenHash: String) async throws -> Account? {
        try await accountRows(
            """
            SELECT a.id, a.name, a.display_name, a.email, a.is_site_admin, a.created
            FROM api_token t JOIN account a ON a.id = t.account_id WHERE t.token_hash = \(tokenHash)
            """
        ).first
    }

    public func tokens(accountID: String) async throws -> [APIToken] {
        var out: [APIToken] = []
        for try await (id, account, hash, label, created) in try await client.query(
            "SELECT id, account_id, token_hash, label, created FROM api_token WHERE account_id = \(accountID) ORDER BY id",
            logger: logger
        ).decode((String, String, String, String, String).self) {
            out.append(
                APIToken(
                    id: id, accountID: account, tokenHash: hash, label: label,
                    created: Timestamp.parse(created) ?? Date(timeIntervalSince1970: 0)))
        }
        return out
    }

    public func deleteToken(id: String, accountID: String) async throws -> Bool {
        let removed = try await strings(
            "DELETE FROM api_token WHERE id = \(id) AND account_id = \(accountID) RETURNING id")
        return !removed.isEmpty
    }

    public func setMembership(_ m: Membership) async throws {
        try await client.query(
            """
            INSERT INTO membership (publisher_id, account_id, role) VALUES (\(m.publisherID), \(m.accountID), \(m.role.rawValue))
            ON CONFLICT (publisher_id, account_id) DO UPDATE SET role = excluded.role
            """, logger: logger)
    }

    public func removeMembership(publisherID: String, accountID: String) async throws -> Bool {
        let removed = try await strings(
            "DELETE FROM membership WHERE publisher_id = \(publisherID) AND account_id = \(accountID) RETURNING account_id")
        return !removed.isEmpty
    }

    private func membershipRows(_ query: PostgresQuery) async throws -> [Membership] {
        var out: [Membership] = []
        for try await (publisher, account, role) in try await client.query(query, logger: logger).decode(
            (String, String, String).self)
        {
            out.append(Membership(publisherID: publisher, accountID: account, role: MemberRole(rawValue: role) ?? .editor))
        }
        return out
    }

    public func memberships(accountID: String) async throws -> [Membership] {
        try await membershipRows(
            "SELECT publisher_id, account_id, role FROM membership WHERE account_id = \(accountID) ORDER BY publisher_id")
    }

    public func members(publisherID: String) async throws -> [Membership] {
        try await membershipRows(
            "SELECT publisher_id, account_id, role FROM membership WHERE publisher_id = \(publisherID) ORDER BY account_id")
    }
}
