import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import Foundation
import Logging

extension TableService {
    /// Makes a table of every uploaded CSV or GeoJSON distribution that has none yet (the demo city's
    /// files, or a store that predates tables); returns how many it made. A file that cannot be a
    /// table is skipped, its reason returned.
    public func tabulateUploads(by actor: Identity) async throws -> (made: Int, skipped: [String]) {
        var made = 0
        var skipped: [String] = []
        let found = try await catalog.search(DatasetQuery(sort: .created, limit: 10_000))
        for document in found.documents {
            let dataset = try AgoraJSON.decode(Dataset.self, from: document)
            for distribution in dataset.distributions where distribution.uploaded {
                guard let name = distribution.fileName, SourceFormat.detect(fileName: name, sample: []) != nil,
                    try await store.table(distributionID: distribution.id)?.current == nil
                else { continue }
                do {
                    _ = try await ingestDistribution(slug: dataset.slug, distributionID: distribution.id, by: actor)
                    made += 1
                } catch let problem as Problem {
                    skipped.append("\(dataset.slug)/\(name): \(problem.detail)")
                }
            }
        }
        return (made, skipped)
    }
}

extension TableService {
    /// Loads a distribution's data into its table, as CKAN's xloader does: an uploaded CSV or GeoJSON
    /// at once (true when its table is ready), a linked one in the background. Other files are left be.
    public func autoLoad(slug: String, distribution: Distribution, by actor: Identity?) async -> Bool {
        let name = distribution.fileName ?? URL(string: distribution.url)?.lastPathComponent ?? ""
        let tabular =
            SourceFormat.detect(fileName: name, sample: []) != nil
            || ["CSV", "GEOJSON"].contains(distribution.format?.uppercased() ?? "")
        guard tabular else { return false }
        if distribution.uploaded {
            return (try? await ingestDistribution(slug: slug, distributionID: distribution.id, by: actor)) != nil
        }
        loadLinkInBackground(slug: slug, distributionID: distribution.id, by: actor)
        return false
    }

    /// Fetches a linked distribution's file and loads it as its table without holding up the writer,
    /// as CKAN's xloader does; a failure leaves the distribution without a table and is logged.
    public func loadLinkInBackground(slug: String, distributionID: String, by actor: Identity?) {
        Task.detached { [self] in
            do {
                _ = try await ingestDistribution(slug: slug, distributionID: distributionID, by: actor)
            } catch {
                Logger(label: "agora.tables").warning(
                    "The linked file was not loaded as a table",
                    metadata: [
                        "dataset": "\(slug)", "distribution": "\(distributionID)",
                        "problem": "\((error as? Problem)?.detail ?? String(describing: error))",
                    ])
            }
        }
    }
}
