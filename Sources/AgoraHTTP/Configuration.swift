import Foundation

/// How a hub runs. Filled from flags, then `AGORA_*` environment variables, then these defaults.
public struct AgoraConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// Holds the SQLite database (unless `databaseURL` is set) and uploaded files.
    public var dataDirectory: String = "./agora-data"
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite file.
    public var databaseURL: String?
    /// Largest JSON body a write may send.
    public var maxBodyBytes: Int = 1 << 20
    /// Largest file a distribution upload may send.
    public var maxUploadBytes: Int = 512 << 20
    /// The hub's name, shown on pages.
    public var siteName: String = "Agora"

    public init() {}
}
