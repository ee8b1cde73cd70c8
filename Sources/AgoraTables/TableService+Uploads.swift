import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import Foundation

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
