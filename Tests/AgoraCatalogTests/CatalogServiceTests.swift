import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import Foundation
import Testing

@Suite("Catalogue service")
struct CatalogServiceTests {
    @Test("a valid dataset is created with derived fields and one change-log entry")
    func create() async throws {
        let f = try await CatalogFixture()
        let before = try await f.store.headSeq()
        let d = try await f.catalog.createDataset(f.validDataset(), by: f.admin)
        #expect(d.slug == "air-quality")
        #expect(d.isOpen)
        #expect(d.licenceTitle == "Creative Commons Attribution 4.0")
        #expect(d.themes == ["ENVI"])
        #expect(d.formats == ["CSV"])
        #expect(d.distributions.first?.format == "CSV")
        #expect(try await f.store.headSeq() == before + 1)
        let history = try await f.catalog.history(slug: "air-quality")
        #expect(history.map(\.op) == ["create"])
        #expect(history.first?.actor == "admin")
    }

    @Test("the slug defaults to one made from the title")
    func slugFromTitle() async throws {
        let f = try await CatalogFixture()
        var input = f.validDataset()
        input.slug = nil
        input.title = "Café opening hours – Old Town 2025"
        #expect(try await f.catalog.createDataset(input, by: f.admin).slug == "cafe-opening-hours-old-town-2025")
    }

    @Test("licences: aliases map to SPDX ids, non-open and missing licences are flagged, unknown ones refused")
    func licences() async throws {
        let f = try await CatalogFixture()
        var input = f.validDataset("aa")
        input.licence = "odc-odbl"
        #expect(try await f.catalog.createDataset(input, by: f.admin).licence == "ODbL-1.0")
        input = f.validDataset("bb")
        input.licence = "CC-BY-NC-4.0"
        #expect(try await f.catalog.createDataset(input, by: f.admin).isOpen == false)
        input = f.validDataset("cc")
        input.licence = nil
        let unlicensed = try await f.catalog.createDataset(input, by: f.admin)
        #expect(!unlicensed.isOpen && unlicensed.licence == nil)
        input = f.validDataset("dd")
        input.licence = "my-own-licence"
        #expect(await problemKind { _ = try await f.catalog.createDataset(input, by: f.admin) } == .unknownLicence)
        #expect(try await f.store.dataset(slug: "dd") == nil)
    }

    @Test("bad fields are refused, each named, and nothing is written")
    func validation() async throws {
        let f = try await CatalogFixture()
        let head = try await f.store.headSeq()
        var input = f.validDataset()
        input.slug = "../etc/passwd"
        input.title = "   "
        input.tags = ["ok", String(repeating: "x", count: 101)]
        input.themes = ["SPACE"]
        input.temporal = .init(start: "2025-12-31", end: "2025-01-01")
        input.updateFrequency = "sometimes"
        input.landingPage = "javascript:alert(1)"
        input.contactPoint = .init(email: "not-an-email")
        input.spatial = .init(bbox: [0, 91, 1, 92])
        input.distributions = [.init(title: "x", url: "ftp://example.org/file")]
        do {
            _ = try await f.catalog.createDataset(input, by: f.admin)
            Issue.record("expected a validation problem")
        } catch let problem as Problem {
            #expect(problem.kind == .validation)
            let fields = Set(problem.errors.map(\.field))
            #expect(
                fields == [
                    "slug", "title", "tags[1]", "themes[0]", "temporal", "update_frequency", "landing_page",
                    "contact_point.email", "spatial.bbox", "distributions[0].url",
                ])
        }
        #expect(try await f.store.headSeq() == head)
    }

    @Test("a duplicate slug is a conflict")
    func duplicate() async throws {
        let f = try await CatalogFixture()
        _ = try await f.catalog.createDataset(f.validDataset(), by: f.admin)
        #expect(await problemKind { _ = try await f.catalog.createDataset(f.validDataset(), by: f.admin) } == .conflict)
    }

    @Test("who may write: anonymous 401, outsiders 403, editors and admins of the publisher yes")
    func authorisation() async throws {
        let f = try await CatalogFixture()
        let editor = try await f.member("eddie", role: .editor)
        let outsider = try await f.member("olga", role: nil)
        #expect(await problemKind { _ = try await f.catalog.createDataset(f.validDataset(), by: nil) } == .unauthorized)
        #expect(await problemKind { _ = try await f.catalog.createDataset(f.validDataset(), by: outsider) } == .forbidden)
        var railInput = f.validDataset("rail-data")
        railInput.publisher = "rail"
        #expect(await problemKind { _ = try await f.catalog.createDataset(railInput, by: editor) } == .forbidden)
        _ = try await f.catalog.createDataset(f.validDataset(), by: editor)
        #expect(await problemKind { try await f.catalog.deleteDataset(slug: "air-quality", by: outsider) } == .forbidden)
        // Moving a dataset to a publisher the editor cannot write to is refused.
        #expect(
            await problemKind {
                _ = try await f.catalog.patchDataset(
                    slug: "air-quality", DatasetInput(publisher: "rail"), presentFields: ["publisher"], by: editor)
            } == .forbidden)
        // Only site admins create publishers; only publisher admins manage members.
        #expect(await problemKind { _ = try await f.catalog.createPublisher(PublisherInput(title: "Mine"), by: editor) } == .forbidden)
        #expect(await problemKind { _ = try await f.accounts.setMember("olga", role: .editor, of: f.council, by: editor) } == .forbidden)
        let boss = try await f.member("bea", role: .admin)
        _ = try await f.accounts.setMember("olga", role: .editor, of: f.council, by: boss)
        #expect(try await f.accounts.members(of: f.council).map(\.account) == ["bea", "eddie", "olga"])
    }

    @Test("PUT replaces, PATCH changes only what is sent, null clears")
    func replaceAndPatch() async throws {
        let f = try await CatalogFixture()
        let created = try await f.catalog.createDataset(f.validDataset(), by: f.admin)
        let patched = try await f.catalog.patchDataset(
            slug: "air-quality", DatasetInput(title: "Air quality (hourly)", landingPage: nil),
            presentFields: ["title", "landing_page"], by: f.admin)
        #expect(patched.title == "Air quality (hourly)")
        #expect(patched.landingPage == nil)
        #expect(patched.tags == created.tags)
        #expect(patched.distributions == created.distributions)

        let replaced = try await f.catalog.replaceDataset(
            slug: "air-quality", DatasetInput(publisher: "riverton-council", title: "Air"), by: f.admin)
        #expect(replaced.tags.isEmpty && replaced.licence == nil && !replaced.isOpen)
        #expect(replaced.distributions == created.distributions, "omitted distributions are kept")
        #expect(
            await problemKind {
                _ = try await f.catalog.replaceDataset(
                    slug: "air-quality", DatasetInput(slug: "other", publisher: "riverton-council", title: "Air"), by: f.admin)
            } == .validation)
        let history = try await f.catalog.history(slug: "air-quality")
        #expect(history.map(\.op) == ["update", "update", "create"])
        #expect(history[1].summary == "updated title, landing_page")
        // A write that changes nothing adds no history.
        _ = try await f.catalog.patchDataset(slug: "air-quality", DatasetInput(title: "Air"), presentFields: ["title"], by: f.admin)
        #expect(try await f.catalog.history(slug: "air-quality").count == 3)
    }

    @Test("deleted datasets are gone but keep their history and slug")
    func softDelete() async throws {
        let f = try await CatalogFixture()
        _ = try await f.catalog.createDataset(f.validDataset(), by: f.admin)
        try await f.catalog.deleteDataset(slug: "air-quality", by: f.admin)
        #expect(await problemKind { _ = try await f.catalog.dataset(slug: "air-quality") } == .gone)
        #expect(try await f.catalog.history(slug: "air-quality").map(\.op) == ["delete", "create"])
        #expect(try await f.catalog.search(DatasetQuery(text: "air")).total == 0)
        #expect(await problemKind { _ = try await f.catalog.createDataset(f.validDataset(), by: f.admin) } == .conflict)
        #expect(await problemKind { try await f.catalog.deleteDataset(slug: "air-quality", by: f.admin) } == .gone)
    }

    @Test("distributions: links, uploads, updates and removal")
    func distributions() async throws {
        let f = try await CatalogFixture()
        _ = try await f.catalog.createDataset(f.validDataset(), by: f.admin)
        let link = try await f.catalog.addDistribution(
            slug: "air-quality", DistributionInput(title: "Map", url: "https://riverton.example/air.geojson"), by: f.admin)
        #expect(link.format == "GeoJSON")
        let blob = BlobReference(sha256: String(repeating: "a", count: 64), byteSize: 42)
        let upload = try await f.catalog.addUploadedDistribution(
            slug: "air-quality", blob: blob, title: nil, fileName: "../../readings 2025.csv", mediaType: nil, by: f.admin)
        #expect(upload.fileName == "readings 2025.csv")
        #expect(upload.mediaType == "text/csv" && upload.uploaded && upload.checksum == blob.sha256 && upload.byteSize == 42)
        #expect(
            await problemKind {
                _ = try await f.catalog.updateDistribution(
                    slug: "air-quality", id: upload.id, DistributionInput(url: "https://elsewhere.example/x.csv"), presentFields: ["url"],
                    by: f.admin)
            } == .validation)
        let renamed = try await f.catalog.updateDistribution(
            slug: "air-quality", id: upload.id, DistributionInput(title: "Readings 2025"), presentFields: ["title"], by: f.admin)
        #expect(renamed.title == "Readings 2025" && renamed.checksum == blob.sha256)
        try await f.catalog.deleteDistribution(slug: "air-quality", id: link.id, by: f.admin)
        let d = try await f.catalog.dataset(slug: "air-quality")
        #expect(d.distributions.map(\.id).contains(upload.id))
        #expect(!d.distributions.map(\.id).contains(link.id))
        #expect(d.formats == ["CSV"])
        #expect(await problemKind { _ = try await f.catalog.distribution(slug: "air-quality", id: link.id) } == .notFound)
    }

    @Test("publishers: created by site admins, updated by their admins, slugs fixed")
    func publishers() async throws {
        let f = try await CatalogFixture()
        #expect(f.council.slug == "riverton-council")
        #expect(
            await problemKind { _ = try await f.catalog.createPublisher(PublisherInput(slug: "rail", title: "Dup"), by: f.admin) }
                == .conflict)
        #expect(
            await problemKind { _ = try await f.catalog.createPublisher(PublisherInput(title: "X", homepage: "not a url"), by: f.admin) }
                == .validation)
        let updated = try await f.catalog.updatePublisher(
            slug: "rail", PublisherInput(description: "Trains"), presentFields: ["description"], by: f.admin)
        #expect(updated.title == "Riverton Rail" && updated.description == "Trains")
        #expect(
            await problemKind {
                _ = try await f.catalog.updatePublisher(
                    slug: "rail", PublisherInput(slug: "trains", title: "T"), presentFields: nil, by: f.admin)
            } == .validation)
    }

    @Test("the demo city loads once and is searchable")
    func demoCity() async throws {
        let store = try SQLiteStore.inMemory()
        let f = (catalog: CatalogService(store: store), accounts: AccountService(store: store))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("agora-demo-\(UUID().uuidString)")
        let blobs = try BlobStore(root: dir)
        #expect(try await DemoCity.load(catalog: f.catalog, accounts: f.accounts, blobs: blobs))
        #expect(try await !DemoCity.load(catalog: f.catalog, accounts: f.accounts, blobs: blobs))
        let all = try await f.catalog.search(DatasetQuery())
        #expect(all.total == 12)
        #expect(all.facets[.open]?.contains(FacetValue(value: "false", count: 2)) == true)
        let supermarkets = try await f.catalog.search(DatasetQuery(text: "supermarket"))
        #expect(supermarkets.total >= 1)
        let housing = try await f.catalog.dataset(slug: "housing-sales-2025")
        let csv = try #require(housing.distributions.first)
        #expect(blobs.exists(try #require(csv.checksum)))
        let data = try Data(contentsOf: try #require(blobs.url(for: csv.checksum!)))
        #expect(SHA256Hex.of(data) == csv.checksum)
        #expect(String(decoding: data, as: UTF8.self).hasPrefix("date,street,postcode,borough,property_type,bedrooms,price\n"))
    }
}
