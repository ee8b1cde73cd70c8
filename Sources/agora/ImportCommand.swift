import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import AgoraTables
import ArgumentParser
import Foundation

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a CSV or GeoJSON file as a table, and print the table's id as the last line on stdout.",
        discussion: """
            The publisher and the dataset are made when they do not exist yet; the file becomes one of the dataset's \
            distributions (a file of the same name is replaced, making a new version of its table). The previous \
            version keeps serving until the new one is complete. Safe while `agora serve` runs on the same store.
            """)

    @Argument(help: "The CSV (.csv, .tsv) or GeoJSON (.geojson) file.")
    var file: String

    @Option(help: "The dataset's slug.")
    var dataset: String

    @Option(help: "The publisher's slug.")
    var publisher: String

    @Option(help: "The dataset's title, when it is made (default: from the file name).")
    var title: String?

    @Flag(help: "Pad short rows and cut long ones instead of refusing the file; the counts are reported.")
    var lenient = false

    @Option(help: "The longest record allowed, in bytes.")
    var maxRecordBytes: Int = 16 << 20

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let (backend, blobs) = try await store.openStore()
        do {
            let id = try await importFile(backend: backend, blobs: blobs)
            try await backend.close()
            print(id)
        } catch {
            try? await backend.close()
            throw fail(error)
        }
    }

    private func importFile(backend: any Store, blobs: BlobStore) async throws -> String {
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw Problem.badRequest("'\(file)' is not a readable file.", field: "file")
        }
        let catalog = CatalogService(store: backend)
        let accounts = AccountService(store: backend)
        let actor = Identity(account: try await accounts.ensureSiteAdmin(), memberships: [])
        let engine = try TableEngines.make(for: backend, dataDirectory: URL(fileURLWithPath: store.dataDirectory, isDirectory: true))
        let tables = TableService(store: backend, catalog: catalog, engine: engine, blobs: blobs, clock: SystemClock())
        let fileName = URL(fileURLWithPath: path).lastPathComponent

        if try await backend.publisher(slug: publisher) == nil {
            _ = try await catalog.createPublisher(PublisherInput(slug: publisher, title: Self.title(from: publisher)), by: actor)
        }
        var target = try await backend.dataset(slug: dataset)
        if target == nil {
            let name = title ?? Self.title(from: URL(fileURLWithPath: fileName).deletingPathExtension().lastPathComponent)
            target = try await catalog.createDataset(DatasetInput(slug: dataset, publisher: publisher, title: name), by: actor)
        }
        guard let target else { throw Problem(.internalError, "The dataset could not be made.") }
        guard target.publisher == publisher else {
            throw Problem.conflict("Dataset '\(dataset)' belongs to publisher '\(target.publisher)', not '\(publisher)'.", field: "dataset")
        }

        let progress = ProgressBar(label: fileName)
        let blob = try Self.storeFile(path: path, in: blobs)
        let distribution: Distribution
        if let existing = target.distributions.first(where: { $0.fileName == fileName && $0.uploaded }) {
            distribution = try await catalog.replaceUploadedFile(slug: dataset, id: existing.id, blob: blob, by: actor)
        } else {
            distribution = try await catalog.addUploadedDistribution(
                slug: dataset, blob: blob, title: nil, fileName: fileName, mediaType: nil, by: actor)
        }
        guard let stored = blobs.url(for: blob.sha256) else { throw Problem(.internalError, "The stored file is missing.") }
        let options = IngestOptions(lenient: lenient, maxRecordBytes: maxRecordBytes)
        let (table, version) = try await tables.ingest(
            slug: dataset, distributionID: distribution.id, path: stored.path, fileName: fileName, options: options, by: actor,
            progress: { progress.update($0) })
        progress.finish()
        var summary = "\(version.rowCount) rows, \(version.columns.count) columns: version \(version.version) of table \(table.id)"
        if version.paddedRows + version.truncatedRows > 0 {
            summary += " (\(version.paddedRows) short rows padded, \(version.truncatedRows) long rows cut)"
        }
        FileHandle.standardError.write(Data("agora: imported \(fileName): \(summary) (\(progress.timings))\n".utf8))
        return table.id
    }

    static func title(from slug: String) -> String {
        slug.split(whereSeparator: { $0 == "-" || $0 == "_" }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }

    /// Copies the file into the blob store in chunks, hashing as it goes.
    static func storeFile(path: String, in blobs: BlobStore) throws -> BlobReference {
        let upload = try blobs.begin()
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { try upload.write(chunk) }
            return try upload.finish()
        } catch {
            upload.abort()
            throw error
        }
    }
}

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let enabled = isatty(2) != 0
    private let lock = NSLock()
    private var lastDrawn = Date.distantPast
    private var phases: [(String, Date)] = []

    init(label: String) { self.label = label }

    /// How long each phase took, for the closing summary.
    var timings: String {
        lock.lock()
        defer { lock.unlock() }
        let marks = phases.map(\.1) + [Date()]
        return zip(phases, marks.dropFirst()).map { String(format: "%@ %.1f s", $0.0.0, $0.1.timeIntervalSince($0.0.1)) }
            .joined(separator: ", ")
    }

    func update(_ progress: LoadProgress) {
        lock.lock()
        defer { lock.unlock() }
        let name = progress.step.map { "\(progress.phase.rawValue) (\($0))" } ?? progress.phase.rawValue
        if phases.last?.0 != name { phases.append((name, Date())) }
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) > 0.1 else { return }
        lastDrawn = now
        let fraction = progress.totalBytes > 0 ? min(1, Double(progress.bytes) / Double(progress.totalBytes)) : 0
        let width = 30
        let filled = progress.phase == .indexing ? width : Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let percent = progress.phase == .indexing ? "" : String(format: " %3d%%", Int(fraction * 100))
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label) [\(bar)]\(percent) \(progress.phase.rawValue)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
