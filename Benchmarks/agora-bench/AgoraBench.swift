import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import ArgumentParser
import Foundation

/// Benchmark helpers (release build): generating large catalogues to measure against.
@main
struct AgoraBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora-bench", abstract: "Agora benchmark tools.", subcommands: [GenerateCatalog.self])
}

/// Writes a deterministic catalogue of N datasets straight through the store (with their change-log
/// entries), so search can be measured at city-portal scale.
struct GenerateCatalog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-catalog", abstract: "Fill a store with a deterministic catalogue of N datasets.")

    @Option(help: "How many datasets.") var datasets = 100_000
    @Option(help: "How many publishers.") var publishers = 60
    @Option(help: "Directory of the SQLite store.") var data = "./bench-data"
    @Option(help: "PostgreSQL URL instead of SQLite.") var database: String?
    @Option(help: "Seed of the generator.") var seed: UInt64 = 7
    @Option(help: "Writers working at once (PostgreSQL gains from several).") var concurrency = 1

    static let topics: [(words: String, tags: [String], theme: String)] = [
        ("air quality", ["air", "pollution", "no2"], "ENVI"), ("bus stops", ["bus", "transport"], "TRAN"),
        ("traffic counts", ["traffic", "roads"], "TRAN"), ("parking occupancy", ["parking", "cars"], "TRAN"),
        ("house prices", ["housing", "prices"], "ECON"), ("council spending", ["spending", "finance"], "GOVE"),
        ("school performance", ["schools", "education"], "EDUC"), ("library loans", ["libraries", "books"], "EDUC"),
        ("recycling rates", ["recycling", "waste"], "ENVI"), ("street trees", ["trees", "green"], "ENVI"),
        ("crime statistics", ["crime", "safety"], "JUST"), ("hospital waiting times", ["health", "nhs"], "HEAL"),
        ("energy consumption", ["energy", "electricity"], "ENER"), ("population estimates", ["population", "census"], "SOCI"),
        ("cycle lanes", ["cycling", "transport"], "TRAN"), ("planning applications", ["planning", "buildings"], "REGI"),
        ("food hygiene ratings", ["food", "hygiene"], "HEAL"), ("noise complaints", ["noise", "complaints"], "ENVI"),
        ("train punctuality", ["rail", "trains"], "TRAN"), ("supermarket locations", ["shops", "food"], "ECON"),
        ("flood risk", ["flooding", "water"], "ENVI"), ("business rates", ["business", "tax"], "ECON"),
        ("community events", ["events", "community"], "SOCI"), ("electric vehicle chargers", ["ev", "charging"], "ENER"),
        ("footfall counts", ["footfall", "high street"], "ECON"), ("road accidents", ["accidents", "roads"], "TRAN"),
        ("water quality", ["water", "rivers"], "ENVI"), ("allotments", ["gardens", "allotments"], "AGRI"),
        ("park facilities", ["parks", "leisure"], "SOCI"), ("public toilets", ["toilets", "facilities"], "HEAL"),
    ]
    static let places = [
        "Camden", "Hackney", "Islington", "Lambeth", "Southwark", "Westminster", "Brent", "Ealing", "Barnet", "Croydon",
        "Bristol", "Leeds", "Manchester", "Liverpool", "Sheffield", "Newcastle", "Nottingham", "Leicester", "Coventry",
        "Bradford", "Cardiff", "Glasgow", "Edinburgh", "Belfast", "Brighton", "Oxford", "Cambridge", "York", "Bath", "Exeter",
    ]
    static let licences = ["OGL-UK-3.0", "CC-BY-4.0", "CC0-1.0", "ODbL-1.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", ""]
    static let formats = [["CSV"], ["CSV", "JSON"], ["GeoJSON"], ["CSV", "GeoJSON"], ["XLSX"], ["PDF"], ["JSON"]]
    static let qualifiers = ["monthly", "annual", "quarterly", "daily", "historic", "live", "summary", "detailed"]

    func run() async throws {
        let store: any Store
        if let database {
            store = try await PostgresStore(url: database)
        } else {
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            store = try SQLiteStore(path: data + "/agora.sqlite")
        }
        var random = SeededRandom(state: seed)
        let base = Date(timeIntervalSince1970: 1_700_000_000)
        let licenceTable = LicenceTable.standard
        var publisherSlugs: [String] = []
        for i in 0..<publishers {
            let place = Self.places[i % Self.places.count]
            let kind = ["Council", "Transport", "Health Trust", "Community Network"][i / Self.places.count % 4]
            let slug = Slug.make(from: "\(place) \(kind) \(i)")
            let p = Publisher(
                id: UUIDv7.string(at: base), slug: slug, title: "\(place) \(kind)", created: base, modified: base)
            if try await store.publisher(slug: slug) == nil {
                try await store.apply(
                    .createPublisher(p), change: draft("publisher", p.id, p.slug, try ChangeDraft.contentHash(of: p), base))
            }
            publisherSlugs.append(slug)
        }
        let started = Date()
        // Generate every dataset up front (deterministic order), then write them with `concurrency` writers.
        var all: [Dataset] = []
        all.reserveCapacity(datasets)
        for i in 0..<datasets {
            let topic = random.pick(Self.topics)
            let place = random.pick(Self.places)
            let year = 2010 + random.int(0...15)
            let qualifier = random.pick(Self.qualifiers)
            let licence = random.pick(Self.licences)
            let modified = base.addingTimeInterval(Double(i) * 60)
            all.append(
                Dataset(
                    id: UUIDv7.string(at: modified), slug: "bench-\(i)", publisher: random.pick(publisherSlugs),
                    title: "\(place) \(topic.words) \(year) (\(qualifier))",
                    description:
                        "\(qualifier.capitalized) \(topic.words) data for \(place), published \(year). Covers \(random.pick(Self.topics).words) and related measures.",
                    licence: licence.isEmpty ? nil : licence, licenceTitle: licence.isEmpty ? nil : licenceTable.licence(licence)?.title,
                    isOpen: licence.isEmpty ? false : (licenceTable.licence(licence)?.isOpen ?? false),
                    tags: topic.tags + [place.lowercased()], themes: [topic.theme], spatial: SpatialCoverage(name: place),
                    formats: random.pick(Self.formats), created: modified, modified: modified))
        }
        let workers = max(1, concurrency)
        let batch = all
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    for i in stride(from: worker, to: batch.count, by: workers) {
                        let d = batch[i]
                        if try await store.dataset(slug: d.slug) != nil { continue }
                        try await store.apply(
                            .createDataset(d),
                            change: ChangeDraft(
                                kind: "dataset", entityID: d.id, entitySlug: d.slug, op: "create",
                                contentHash: try ChangeDraft.contentHash(of: d), at: d.modified, actor: "bench", summary: "created"))
                        if worker == 0, (i + 1) % (10_000 - 10_000 % workers) == 0 {
                            print("\(i + 1) datasets (\(Int(Date().timeIntervalSince(started))) s)")
                            fflush(nil)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        print("catalogue ready: \(datasets) datasets, \(publishers) publishers")
        try await store.close()
    }

    private func draft(_ kind: String, _ id: String, _ slug: String, _ hash: String, _ at: Date) -> ChangeDraft {
        ChangeDraft(kind: kind, entityID: id, entitySlug: slug, op: "create", contentHash: hash, at: at, actor: "bench", summary: "created")
    }
}
