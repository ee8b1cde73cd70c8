import AgoraCore
import AgoraPeople
import AgoraStore
import Foundation

/// The catalogue: publishers, datasets and their distributions. Takes plain values, checks them,
/// authorises the actor, and writes through the store with a change-log entry.
public struct CatalogService: Sendable {
    public let store: any Store
    public let licences: LicenceTable
    let clock: any Clock

    public static let maxTags = 100
    public static let maxDistributions = 500

    public init(store: any Store, licences: LicenceTable = .standard, clock: any Clock = SystemClock()) {
        self.store = store
        self.licences = licences
        self.clock = clock
    }

    // MARK: Publishers

    public func publishers() async throws -> [(publisher: Publisher, datasetCount: Int)] {
        let counts = try await store.datasetCounts()
        return try await store.publishers().map { ($0, counts[$0.slug] ?? 0) }
    }

    public func publisher(slug: String) async throws -> Publisher {
        guard Slug.problem(with: slug) == nil, let publisher = try await store.publisher(slug: slug) else {
            throw Problem.notFound("Publisher '\(slug)'")
        }
        return publisher
    }

    /// `id` keeps an identifier a record already has elsewhere (a catalogue moved between hubs).
    public func createPublisher(_ input: PublisherInput, id: String? = nil, by actor: Identity?) async throws -> Publisher {
        guard let actor else { throw Problem.unauthorized }
        guard actor.account.isSiteAdmin else { throw Problem.forbidden("Only a site admin can create publishers.") }
        var errors: [Problem.FieldError] = []
        let title = Self.cleanTitle(input.title, field: "title", errors: &errors)
        let slug = input.slug ?? Slug.make(from: title ?? "")
        if let message = Slug.problem(with: slug) { errors.append(.init(field: "slug", message: message)) }
        Self.checkPublisherFields(input, errors: &errors)
        if let id, !Self.isUUID(id) { errors.append(.init(field: "id", message: "must be a UUID")) }
        if !errors.isEmpty { throw Problem.validation(errors) }
        let now = Timestamp.truncated(clock.now())
        let publisher = Publisher(
            id: id?.lowercased() ?? UUIDv7.string(at: now), slug: slug, title: title!, description: input.description ?? "",
            kind: input.kind ?? .organisation, homepage: input.homepage, email: input.email, created: now, modified: now)
        try await store.apply(.createPublisher(publisher), change: try draft(publisher, op: "create", actor: actor, summary: "created"))
        return publisher
    }

    /// Replaces (`presentFields` nil) or patches (only the fields present) a publisher's description.
    public func updatePublisher(
        slug: String, _ input: PublisherInput, presentFields: Set<String>?, by actor: Identity?
    )
        async throws -> Publisher
    {
        guard let actor else { throw Problem.unauthorized }
        let old = try await publisher(slug: slug)
        guard actor.has(.admin, in: old.id) else {
            throw Problem.forbidden("Only an admin of '\(slug)' or a site admin can change it.")
        }
        func given(_ field: String) -> Bool { presentFields?.contains(field) ?? true }
        var errors: [Problem.FieldError] = []
        if let newSlug = input.slug, newSlug != old.slug {
            errors.append(.init(field: "slug", message: "cannot be changed (it is '\(old.slug)')"))
        }
        var updated = old
        if given("title") { updated.title = Self.cleanTitle(input.title, field: "title", errors: &errors) ?? old.title }
        if given("description") { updated.description = input.description ?? "" }
        if given("kind") { updated.kind = input.kind ?? .organisation }
        if given("homepage") { updated.homepage = input.homepage }
        if given("email") { updated.email = input.email }
        Self.checkPublisherFields(input, errors: &errors)
        if !errors.isEmpty { throw Problem.validation(errors) }
        updated.modified = Timestamp.truncated(clock.now())
        try await store.apply(
            .updatePublisher(updated), change: try draft(updated, op: "update", actor: actor, summary: "updated"))
        return updated
    }

    private static func checkPublisherFields(_ input: PublisherInput, errors: inout [Problem.FieldError]) {
        if let d = input.description, d.count > 50_000 {
            errors.append(.init(field: "description", message: "must be at most 50,000 characters"))
        }
        if let h = input.homepage, !Validation.isWebURL(h) {
            errors.append(.init(field: "homepage", message: "must be an absolute http(s) URL"))
        }
        if let e = input.email, !Validation.isEmail(e) {
            errors.append(.init(field: "email", message: "must be an email address"))
        }
    }

    // MARK: Datasets

    /// A dataset that exists and is not deleted; a deleted one is `gone`.
    public func dataset(slug: String) async throws -> Dataset {
        let dataset = try await anyDataset(slug: slug)
        if dataset.state == .deleted { throw Problem(.gone, "Dataset '\(slug)' was deleted; its history remains.") }
        return dataset
    }

    /// A dataset whether or not it is deleted, for its history.
    public func anyDataset(slug: String) async throws -> Dataset {
        guard Slug.problem(with: slug) == nil, let dataset = try await store.dataset(slug: slug) else {
            throw Problem.notFound("Dataset '\(slug)'")
        }
        return dataset
    }

    public func search(_ query: DatasetQuery) async throws -> DatasetSearchResult {
        try await store.searchDatasets(query)
    }

    public func history(slug: String, limit: Int = 100) async throws -> [ChangeEntry] {
        let dataset = try await anyDataset(slug: slug)
        return try await store.history(entityID: dataset.id, limit: limit)
    }

    public func createDataset(_ input: DatasetInput, id: String? = nil, by actor: Identity?) async throws -> Dataset {
        try await createDataset(input, id: id, by: actor, harvest: nil)
    }

    private func createDataset(
        _ input: DatasetInput, id: String? = nil, by actor: Identity?, harvest: HarvestOrigin?
    ) async throws -> Dataset {
        guard let actor else { throw Problem.unauthorized }
        var errors: [Problem.FieldError] = []
        if let id, !Self.isUUID(id) { errors.append(.init(field: "id", message: "must be a UUID")) }
        try checkLicence(input, present: nil)
        guard let publisherSlug = input.publisher else {
            throw Problem.validation([.init(field: "publisher", message: "is required (a publisher's slug)")])
        }
        let publisher = try await writablePublisher(publisherSlug, actor: actor)
        let now = Timestamp.truncated(clock.now())
        let title = Self.cleanTitle(input.title, field: "title", errors: &errors)
        let slug = input.slug ?? Slug.make(from: title ?? "")
        if let message = Slug.problem(with: slug) { errors.append(.init(field: "slug", message: message)) }
        var dataset = Dataset(
            id: id?.lowercased() ?? UUIDv7.string(at: now), slug: slug, publisher: publisher.slug, title: title ?? "", created: now,
            modified: now)
        fill(&dataset, from: input, present: nil, now: now, errors: &errors)
        if !errors.isEmpty { throw Problem.validation(errors) }
        dataset.harvestedFrom = harvest
        try finish(&dataset)
        try await store.apply(.createDataset(dataset), change: try draft(dataset, op: "create", actor: actor, summary: "created"))
        return dataset
    }

    /// PUT: the input replaces the dataset's description; omitted distributions are kept.
    public func replaceDataset(slug: String, _ input: DatasetInput, by actor: Identity?) async throws -> Dataset {
        try await update(slug: slug, input, present: nil, actor: actor)
    }

    /// PATCH: only the fields present in the request change; a field sent as null is cleared.
    public func patchDataset(
        slug: String, _ input: DatasetInput, presentFields: Set<String>, by actor: Identity?
    )
        async throws -> Dataset
    {
        try await update(slug: slug, input, present: presentFields, actor: actor)
    }

    private func update(
        slug: String, _ input: DatasetInput, present: Set<String>?, actor: Identity?, harvest: HarvestOrigin? = nil
    ) async throws
        -> Dataset
    {
        guard let actor else { throw Problem.unauthorized }
        let old = try await dataset(slug: slug)
        if harvest == nil { try Self.requireLocal(old) }
        _ = try await writablePublisher(old.publisher, actor: actor)
        try checkLicence(input, present: present)
        var errors: [Problem.FieldError] = []
        if let newSlug = input.slug, newSlug != old.slug {
            errors.append(.init(field: "slug", message: "cannot be changed (it is '\(old.slug)')"))
        }
        var dataset = old
        let given = { (field: String) in present?.contains(field) ?? true }
        if given("publisher"), let target = input.publisher, target != old.publisher {
            // Moving a dataset needs write rights on both publishers.
            dataset.publisher = try await writablePublisher(target, actor: actor).slug
        } else if present == nil, input.publisher == nil {
            errors.append(.init(field: "publisher", message: "is required (a publisher's slug)"))
        }
        if given("title") { dataset.title = Self.cleanTitle(input.title, field: "title", errors: &errors) ?? old.title }
        let now = Timestamp.truncated(clock.now())
        fill(&dataset, from: input, present: present, now: now, errors: &errors)
        if !errors.isEmpty { throw Problem.validation(errors) }
        if let harvest { dataset.harvestedFrom = harvest }
        dataset.modified = now
        try finish(&dataset)
        let changed = Self.changedFields(old, dataset)
        if changed.isEmpty { return old }
        try await store.apply(
            .updateDataset(dataset),
            change: try draft(dataset, op: "update", actor: actor, summary: "updated " + changed.joined(separator: ", ")))
        return dataset
    }

    public func deleteDataset(slug: String, by actor: Identity?) async throws {
        guard let actor else { throw Problem.unauthorized }
        var dataset = try await dataset(slug: slug)
        try Self.requireLocal(dataset)
        _ = try await writablePublisher(dataset.publisher, actor: actor)
        dataset.state = .deleted
        dataset.modified = Timestamp.truncated(clock.now())
        try await store.apply(.updateDataset(dataset), change: try draft(dataset, op: "delete", actor: actor, summary: "deleted"))
    }

    // MARK: Distributions

    public func addDistribution(slug: String, _ input: DistributionInput, by actor: Identity?) async throws -> Distribution {
        guard let actor else { throw Problem.unauthorized }
        var dataset = try await dataset(slug: slug)
        try Self.requireLocal(dataset)
        _ = try await writablePublisher(dataset.publisher, actor: actor)
        let now = Timestamp.truncated(clock.now())
        var errors: [Problem.FieldError] = []
        guard let distribution = makeDistribution(input, existing: nil, field: "", now: now, errors: &errors),
            errors.isEmpty
        else { throw Problem.validation(errors) }
        try await append(distribution, to: &dataset, actor: actor, now: now)
        return distribution
    }

    /// Records a file already stored in the blob store as a new distribution.
    public func addUploadedDistribution(
        slug: String, blob: BlobReference, title: String?, fileName: String, mediaType: String?, by actor: Identity?
    ) async throws -> Distribution {
        guard let actor else { throw Problem.unauthorized }
        var dataset = try await dataset(slug: slug)
        try Self.requireLocal(dataset)
        _ = try await writablePublisher(dataset.publisher, actor: actor)
        var errors: [Problem.FieldError] = []
        let cleanName = Self.cleanFileName(fileName)
        let resolvedTitle = Self.cleanTitle(title ?? cleanName, field: "title", errors: &errors)
        if !errors.isEmpty { throw Problem.validation(errors) }
        let now = Timestamp.truncated(clock.now())
        let id = UUIDv7.string(at: now)
        let type = mediaType ?? Vocabularies.mediaType(fileName: cleanName) ?? "application/octet-stream"
        let distribution = Distribution(
            id: id, title: resolvedTitle ?? cleanName, url: "/api/v1/datasets/\(slug)/distributions/\(id)/download",
            mediaType: type, format: Vocabularies.format(mediaType: type, fileName: cleanName), byteSize: blob.byteSize,
            checksum: blob.sha256, uploaded: true, fileName: cleanName, created: now, modified: now)
        try await append(distribution, to: &dataset, actor: actor, now: now)
        return distribution
    }

    /// Points an uploaded distribution at a new file (a newer edition of the same data).
    public func replaceUploadedFile(slug: String, id: String, blob: BlobReference, by actor: Identity?) async throws -> Distribution {
        guard let actor else { throw Problem.unauthorized }
        var (dataset, old) = try await distribution(slug: slug, id: id)
        try Self.requireLocal(dataset)
        _ = try await writablePublisher(dataset.publisher, actor: actor)
        guard old.uploaded else { throw Problem.conflict("Distribution '\(id)' links to a file elsewhere; it holds no uploaded file.") }
        let now = Timestamp.truncated(clock.now())
        var updated = old
        updated.checksum = blob.sha256
        updated.byteSize = blob.byteSize
        updated.modified = now
        dataset.distributions = dataset.distributions.map { $0.id == id ? updated : $0 }
        dataset.modified = now
        try finish(&dataset)
        try await store.apply(
            .updateDataset(dataset),
            change: try draft(dataset, op: "update", actor: actor, summary: "uploaded a new file for \(updated.title)"))
        return updated
    }

    private func append(_ distribution: Distribution, to dataset: inout Dataset, actor: Identity, now: Date) async throws {
        guard dataset.distributions.count < Self.maxDistributions else {
            throw Problem.conflict("A dataset holds at most \(Self.maxDistributions) distributions.")
        }
        dataset.distributions.append(distribution)
        dataset.modified = now
        try finish(&dataset)
        try await store.apply(
            .updateDataset(dataset),
            change: try draft(dataset, op: "update", actor: actor, summary: "added distribution \(distribution.title)"))
    }

    public func distribution(slug: String, id: String) async throws -> (Dataset, Distribution) {
        let dataset = try await dataset(slug: slug)
        guard let distribution = dataset.distributions.first(where: { $0.id == id }) else {
            throw Problem.notFound("Distribution '\(id)' of dataset '\(slug)'")
        }
        return (dataset, distribution)
    }

    public func updateDistribution(
        slug: String, id: String, _ input: DistributionInput, presentFields: Set<String>?, by actor: Identity?
    ) async throws -> Distribution {
        guard let actor else { throw Problem.unauthorized }
        var (dataset, old) = try await distribution(slug: slug, id: id)
        try Self.requireLocal(dataset)
        _ = try await writablePublisher(dataset.publisher, actor: actor)
        var merged = input
        if let presentFields {
            // Fields a patch leaves out keep their values.
            if !presentFields.contains("title") { merged.title = old.title }
            if !presentFields.contains("description") { merged.description = old.description }
            if !presentFields.contains("url") { merged.url = old.uploaded ? nil : old.url }
            if !presentFields.contains("media_type") { merged.mediaType = old.mediaType }
            if !presentFields.contains("format") { merged.format = old.format }
            if !presentFields.contains("byte_size") { merged.byteSize = old.byteSize }
            if !presentFields.contains("checksum") { merged.checksum = old.checksum }
        }
        let now = Timestamp.truncated(clock.now())
        var errors: [Problem.FieldError] = []
        guard let updated = makeDistribution(merged, existing: old, field: "", now: now, errors: &errors), errors.isEmpty
        else { throw Problem.validation(errors) }
        dataset.distributions = dataset.distributions.map { $0.id == id ? updated : $0 }
        dataset.modified = now
        try finish(&dataset)
        try await store.apply(
            .updateDataset(dataset),
            change: try draft(dataset, op: "update", actor: actor, summary: "updated distribution \(updated.title)"))
        return updated
    }

    public func deleteDistribution(slug: String, id: String, by actor: Identity?) async throws {
        guard let actor else { throw Problem.unauthorized }
        var (dataset, old) = try await distribution(slug: slug, id: id)
        try Self.requireLocal(dataset)
        _ = try await writablePublisher(dataset.publisher, actor: actor)
        dataset.distributions.removeAll { $0.id == id }
        dataset.modified = Timestamp.truncated(clock.now())
        try finish(&dataset)
        try await store.apply(
            .updateDataset(dataset), change: try draft(dataset, op: "update", actor: actor, summary: "removed distribution \(old.title)"))
    }

    /// Checks that `actor` may change dataset `slug`, before a caller does expensive work such as
    /// receiving an upload.
    public func requireWritable(slug: String, by actor: Identity?) async throws {
        guard let actor else { throw Problem.unauthorized }
        let dataset = try await dataset(slug: slug)
        try Self.requireLocal(dataset)
        _ = try await writablePublisher(dataset.publisher, actor: actor)
    }

    // MARK: Harvested copies

    /// Harvested datasets are read-only here: they change only when their source is harvested again.
    static func requireLocal(_ dataset: Dataset) throws {
        if let origin = dataset.harvestedFrom {
            throw Problem.conflict(
                "Dataset '\(dataset.slug)' is a harvested copy of \(origin.url); change it at its source, \(origin.sourceURL).")
        }
    }

    public enum HarvestOutcome: Sendable { case created, updated, unchanged }

    /// Creates or updates the copy of a harvested dataset (its slug is the source's name). A local
    /// dataset, or another source's copy, already holding the slug is left alone: a conflict.
    /// Distributions keep their ids where their address is unchanged.
    public func saveHarvested(_ input: DatasetInput, origin: HarvestOrigin, by actor: Identity?) async throws -> HarvestOutcome {
        guard let slug = input.slug else { throw Problem.validation([.init(field: "slug", message: "is required")]) }
        guard let existing = try await store.dataset(slug: slug) else {
            _ = try await createDataset(input, by: actor, harvest: origin)
            return .created
        }
        guard existing.harvestedFrom?.source == origin.source else {
            throw Problem.conflict("The slug '\(slug)' is taken by a dataset that is not this source's copy.")
        }
        var input = input
        input.distributions = input.distributions?.map { item in
            var item = item
            item.id = existing.distributions.first { $0.url == item.url && !$0.uploaded }?.id
            return item
        }
        let updated = try await update(slug: slug, input, present: nil, actor: actor, harvest: origin)
        return updated == existing ? .unchanged : .updated
    }

    /// Removes a harvested copy whose original is gone from its source.
    public func removeHarvested(slug: String, by actor: Identity?) async throws {
        guard let actor else { throw Problem.unauthorized }
        var dataset = try await dataset(slug: slug)
        guard dataset.harvestedFrom != nil else { throw Problem.conflict("Dataset '\(slug)' is not a harvested copy.") }
        _ = try await writablePublisher(dataset.publisher, actor: actor)
        dataset.state = .deleted
        dataset.modified = Timestamp.truncated(clock.now())
        try await store.apply(
            .updateDataset(dataset), change: try draft(dataset, op: "delete", actor: actor, summary: "deleted at its source"))
    }

    // MARK: Helpers

    static func isUUID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(\.count)
        return parts == [8, 4, 4, 4, 12] && text.allSatisfy { $0 == "-" || $0.isHexDigit }
    }

    private func writablePublisher(_ slug: String, actor: Identity) async throws -> Publisher {
        guard Slug.problem(with: slug) == nil, let publisher = try await store.publisher(slug: slug) else {
            throw Problem.validation([.init(field: "publisher", message: "no publisher has the slug '\(slug)'")])
        }
        guard actor.has(.editor, in: publisher.id) else {
            throw Problem.forbidden("'\(actor.account.name)' is not an editor or admin of publisher '\(slug)'.")
        }
        return publisher
    }

    /// Copies the descriptive fields from `input`; with `present` nil every field is taken (absent means empty).
    private func fill(
        _ dataset: inout Dataset, from input: DatasetInput, present: Set<String>?, now: Date, errors: inout [Problem.FieldError]
    ) {
        let given = { (field: String) in present?.contains(field) ?? true }
        if given("description") {
            let description = input.description ?? ""
            if description.count > 50_000 {
                errors.append(.init(field: "description", message: "must be at most 50,000 characters"))
            }
            dataset.description = description
        }
        if given("licence") {
            // An unknown id was refused before (checkLicence); a known one is stored canonically.
            dataset.licence = input.licence.flatMap { licences.licence($0)?.id }
        }
        if given("tags") { dataset.tags = Self.cleanList(input.tags ?? [], field: "tags", errors: &errors) }
        if given("themes") {
            var themes: [String] = []
            for (i, theme) in (input.themes ?? []).enumerated() {
                let code = theme.uppercased()
                if Vocabularies.themeLabel(code) == nil {
                    errors.append(
                        .init(
                            field: "themes[\(i)]",
                            message:
                                "'\(theme)' is not an EU data theme code (one of \(Vocabularies.themes.map(\.code).joined(separator: ", ")))"
                        ))
                } else if !themes.contains(code) {
                    themes.append(code)
                }
            }
            dataset.themes = themes
        }
        if given("spatial") {
            if let spatial = input.spatial {
                if let bbox = spatial.bbox {
                    if bbox.count != 4 || !(-180...180).contains(bbox[0]) || !(-90...90).contains(bbox[1])
                        || !(-180...180).contains(bbox[2]) || !(-90...90).contains(bbox[3]) || bbox[1] > bbox[3]
                    {
                        errors.append(.init(field: "spatial.bbox", message: "must be [west, south, east, north] in WGS 84 degrees"))
                    }
                }
                if let name = spatial.name, name.count > 200 || Validation.hasControlCharacters(name) {
                    errors.append(.init(field: "spatial.name", message: "must be at most 200 characters of text"))
                }
            }
            dataset.spatial = input.spatial
        }
        if given("temporal") {
            if let temporal = input.temporal {
                for (field, value) in [("start", temporal.start), ("end", temporal.end)] {
                    if let value, !Timestamp.isCalendarDate(value) {
                        errors.append(.init(field: "temporal.\(field)", message: "must be a date YYYY-MM-DD"))
                    }
                }
                if let start = temporal.start, let end = temporal.end, start > end {
                    errors.append(.init(field: "temporal", message: "start must not be after end"))
                }
            }
            dataset.temporal = input.temporal
        }
        if given("update_frequency") {
            if let frequency = input.updateFrequency, !Vocabularies.frequencies.contains(frequency) {
                errors.append(
                    .init(
                        field: "update_frequency", message: "must be one of \(Vocabularies.frequencies.joined(separator: ", "))"))
            }
            dataset.updateFrequency = input.updateFrequency
        }
        if given("contact_point") {
            if let email = input.contactPoint?.email, !Validation.isEmail(email) {
                errors.append(.init(field: "contact_point.email", message: "must be an email address"))
            }
            if let name = input.contactPoint?.name, name.count > 200 {
                errors.append(.init(field: "contact_point.name", message: "must be at most 200 characters"))
            }
            dataset.contactPoint = input.contactPoint
        }
        if given("landing_page") {
            if let page = input.landingPage, !Validation.isWebURL(page) {
                errors.append(.init(field: "landing_page", message: "must be an absolute http(s) URL"))
            }
            dataset.landingPage = input.landingPage
        }
        if given("provenance") {
            if let provenance = input.provenance, provenance.count > 10_000 {
                errors.append(.init(field: "provenance", message: "must be at most 10,000 characters"))
            }
            dataset.provenance = input.provenance
        }
        if let inputs = input.distributions, given("distributions") {
            if inputs.count > Self.maxDistributions {
                errors.append(.init(field: "distributions", message: "at most \(Self.maxDistributions)"))
            }
            var result: [Distribution] = []
            for (i, item) in inputs.enumerated() {
                let existing = item.id.flatMap { id in dataset.distributions.first { $0.id == id } }
                if let id = item.id, existing == nil {
                    errors.append(.init(field: "distributions[\(i)].id", message: "'\(id)' is not a distribution of this dataset"))
                    continue
                }
                if let d = makeDistribution(item, existing: existing, field: "distributions[\(i)].", now: now, errors: &errors) {
                    result.append(d)
                }
            }
            dataset.distributions = result
        }
    }

    /// Checks the licence last, so an unknown licence is its own 422 that says where valid ids are listed.
    private func checkLicence(_ input: DatasetInput, present: Set<String>?) throws {
        if let id = input.licence, present?.contains("licence") ?? true, licences.licence(id) == nil {
            throw Problem(
                .unknownLicence,
                "'\(id)' is not a licence this hub knows. GET /api/v1/licences lists the valid ids (SPDX identifiers such as CC-BY-4.0, ODbL-1.0, OGL-UK-3.0).",
                errors: [.init(field: "licence", message: "unknown licence id '\(id)'")])
        }
    }

    private func makeDistribution(
        _ input: DistributionInput, existing: Distribution?, field prefix: String, now: Date, errors: inout [Problem.FieldError]
    ) -> Distribution? {
        let before = errors.count
        let title = Self.cleanTitle(input.title ?? existing?.title ?? input.url, field: prefix + "title", errors: &errors)
        if let d = input.description, d.count > 10_000 {
            errors.append(.init(field: prefix + "description", message: "must be at most 10,000 characters"))
        }
        let url: String
        if let existing, existing.uploaded {
            if let given = input.url, given != existing.url {
                errors.append(.init(field: prefix + "url", message: "an uploaded file's URL cannot be changed"))
            }
            url = existing.url
        } else if let given = input.url, Validation.isWebURL(given) {
            url = given
        } else {
            errors.append(.init(field: prefix + "url", message: "must be an absolute http(s) URL"))
            url = ""
        }
        if let size = input.byteSize, size < 0 {
            errors.append(.init(field: prefix + "byte_size", message: "must not be negative"))
        }
        if let checksum = input.checksum, existing?.uploaded != true,
            checksum.count != 64 || !checksum.allSatisfy({ $0.isHexDigit })
        {
            errors.append(.init(field: prefix + "checksum", message: "must be a SHA-256 in hex (64 characters)"))
        }
        if let type = input.mediaType, type.count > 200 || !type.contains("/") || Validation.hasControlCharacters(type) {
            errors.append(.init(field: prefix + "media_type", message: "must be a media type such as text/csv"))
        }
        if let format = input.format, format.count > 50 || Validation.hasControlCharacters(format) {
            errors.append(.init(field: prefix + "format", message: "must be at most 50 characters"))
        }
        guard errors.count == before else { return nil }
        let uploaded = existing?.uploaded ?? false
        let fileName = existing?.fileName ?? URL(string: url)?.lastPathComponent
        let mediaType = input.mediaType ?? (uploaded ? existing?.mediaType : nil)
        var candidate = Distribution(
            id: existing?.id ?? UUIDv7.string(at: now), title: title ?? url, description: input.description ?? "", url: url,
            mediaType: mediaType, format: input.format ?? Vocabularies.format(mediaType: mediaType, fileName: fileName),
            byteSize: uploaded ? existing?.byteSize : input.byteSize,
            checksum: uploaded ? existing?.checksum : input.checksum?.lowercased(), uploaded: uploaded,
            fileName: existing?.fileName, created: existing?.created ?? now, modified: existing?.modified ?? now)
        if let existing, candidate != existing { candidate.modified = now }
        return candidate
    }

    /// Derives the fields that follow from others: licence title and openness, formats.
    private func finish(_ dataset: inout Dataset) throws {
        let licence = dataset.licence.flatMap { licences.licence($0) }
        dataset.licenceTitle = licence?.title
        dataset.isOpen = licence?.isOpen ?? false
        var formats: [String] = []
        for d in dataset.distributions { if let f = d.format, !formats.contains(f) { formats.append(f) } }
        dataset.formats = formats
    }

    private func draft(_ dataset: Dataset, op: String, actor: Identity, summary: String) throws -> ChangeDraft {
        ChangeDraft(
            kind: "dataset", entityID: dataset.id, entitySlug: dataset.slug, op: op,
            contentHash: try ChangeDraft.contentHash(of: dataset), at: dataset.modified, actor: actor.account.name,
            summary: summary)
    }

    private func draft(_ publisher: Publisher, op: String, actor: Identity, summary: String) throws -> ChangeDraft {
        ChangeDraft(
            kind: "publisher", entityID: publisher.id, entitySlug: publisher.slug, op: op,
            contentHash: try ChangeDraft.contentHash(of: publisher), at: publisher.modified, actor: actor.account.name,
            summary: summary)
    }

    static func cleanTitle(_ title: String?, field: String, errors: inout [Problem.FieldError]) -> String? {
        let trimmed = title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if trimmed.isEmpty {
            errors.append(.init(field: field, message: "is required"))
            return nil
        }
        if trimmed.count > 500 || Validation.hasControlCharacters(trimmed) {
            errors.append(.init(field: field, message: "must be one line of at most 500 characters"))
            return nil
        }
        return trimmed
    }

    static func cleanList(_ items: [String], field: String, errors: inout [Problem.FieldError]) -> [String] {
        if items.count > maxTags { errors.append(.init(field: field, message: "at most \(maxTags) items")) }
        var out: [String] = []
        var seen = Set<String>()
        for (i, raw) in items.enumerated() {
            let item = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if item.isEmpty || item.count > 100 || Validation.hasControlCharacters(item) {
                errors.append(.init(field: "\(field)[\(i)]", message: "must be 1 to 100 characters of text"))
            } else if seen.insert(item.lowercased()).inserted {
                out.append(item)
            }
        }
        return out
    }

    static func cleanFileName(_ name: String) -> String {
        let base = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let safe = String(
            base.unicodeScalars.filter { $0.properties.generalCategory != .control && $0 != "\"" }.prefix(200).map(Character.init))
        return safe.isEmpty ? "file" : safe
    }

    static func changedFields(_ a: Dataset, _ b: Dataset) -> [String] {
        var out: [String] = []
        if a.publisher != b.publisher { out.append("publisher") }
        if a.title != b.title { out.append("title") }
        if a.description != b.description { out.append("description") }
        if a.licence != b.licence { out.append("licence") }
        if a.tags != b.tags { out.append("tags") }
        if a.themes != b.themes { out.append("themes") }
        if a.spatial != b.spatial { out.append("spatial") }
        if a.temporal != b.temporal { out.append("temporal") }
        if a.updateFrequency != b.updateFrequency { out.append("update_frequency") }
        if a.contactPoint != b.contactPoint { out.append("contact_point") }
        if a.landingPage != b.landingPage { out.append("landing_page") }
        if a.provenance != b.provenance { out.append("provenance") }
        if a.distributions != b.distributions { out.append("distributions") }
        return out
    }
}
