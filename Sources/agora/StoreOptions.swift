import AgoraCore
import AgoraHTTP
import AgoraStore
import ArgumentParser
import Foundation

/// Where the hub keeps its data; shared by every command that touches the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Directory for the SQLite database and uploaded files (env AGORA_DATA; default ./agora-data).")
    var data: String?

    @Option(
        name: .long,
        help: "PostgreSQL URL, postgres://user:password@host:port/database (env AGORA_DATABASE_URL). Uploaded files still go under --data.")
    var database: String?

    var dataDirectory: String {
        data ?? ProcessInfo.processInfo.environment["AGORA_DATA"] ?? "./agora-data"
    }

    var databaseURL: String? {
        database ?? ProcessInfo.processInfo.environment["AGORA_DATABASE_URL"]
    }

    func openStore() async throws -> (any Store, BlobStore) {
        let root = URL(fileURLWithPath: dataDirectory, isDirectory: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let blobs = try BlobStore(root: root.appendingPathComponent("blobs"))
        if let url = databaseURL {
            return (try await PostgresStore(url: url), blobs)
        }
        return (try SQLiteStore(path: root.appendingPathComponent("agora.sqlite").path), blobs)
    }
}

/// Prints a problem the way a person at a terminal wants it, and exits non-zero.
func fail(_ error: any Error) -> ExitCode {
    let message = (error as? Problem)?.description ?? String(reflecting: error)
    FileHandle.standardError.write(Data("agora: \(message)\n".utf8))
    return ExitCode.failure
}
