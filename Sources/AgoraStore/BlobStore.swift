import AgoraCore
import Foundation

/// A stored file, named by the SHA-256 of its content.
public struct BlobReference: Sendable, Equatable {
    public var sha256: String
    public var byteSize: Int
    public init(sha256: String, byteSize: Int) {
        self.sha256 = sha256
        self.byteSize = byteSize
    }
}

/// Content-addressed files under a directory: `sha256/ab/abcdef…`. Identical uploads are stored once,
/// and a mirror can verify what it fetched by its name.
public struct BlobStore: Sendable {
    public let root: URL

    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root.appendingPathComponent("tmp"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sha256"), withIntermediateDirectories: true)
    }

    public func url(for sha256: String) -> URL? {
        guard sha256.count == 64, sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return root.appendingPathComponent("sha256").appendingPathComponent(String(sha256.prefix(2)))
            .appendingPathComponent(sha256)
    }

    public func exists(_ sha256: String) -> Bool {
        guard let url = url(for: sha256) else { return false }
        return FileManager.default.fileExists(atPath: url.path)
    }

    /// Starts writing a new blob into a temporary file; nothing is visible until `finish`.
    public func begin() throws -> BlobUpload {
        let temp = root.appendingPathComponent("tmp").appendingPathComponent(UUIDv7.string() + ".part")
        guard FileManager.default.createFile(atPath: temp.path, contents: nil) else {
            throw Problem(.internalError, "Could not create a temporary file for the upload.")
        }
        return BlobUpload(store: self, temp: temp, handle: try FileHandle(forWritingTo: temp))
    }

    /// Stores bytes held in memory (small files, the demo city).
    public func put(_ data: Data) throws -> BlobReference {
        let upload = try begin()
        do {
            try upload.write(data)
            return try upload.finish()
        } catch {
            upload.abort()
            throw error
        }
    }
}

/// One blob being written: chunks are hashed as they arrive, so memory stays bounded.
public final class BlobUpload: @unchecked Sendable {
    // Used by one task at a time, from `begin` to `finish` or `abort`.
    private let store: BlobStore
    private let temp: URL
    private let handle: FileHandle
    private var hasher = StreamingSHA256()

    init(store: BlobStore, temp: URL, handle: FileHandle) {
        self.store = store
        self.temp = temp
        self.handle = handle
    }

    public var byteCount: Int { hasher.byteCount }

    public func write(_ data: Data) throws {
        hasher.update(data)
        try handle.write(contentsOf: data)
    }

    /// Makes the blob visible under its hash; an identical blob already stored is kept.
    public func finish() throws -> BlobReference {
        try handle.synchronize()
        try handle.close()
        let sha = hasher.finalizeHex()
        let target = store.url(for: sha)!
        let manager = FileManager.default
        try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        if manager.fileExists(atPath: target.path) {
            try? manager.removeItem(at: temp)
        } else {
            // rename(2) is atomic: a reader sees the whole file or none.
            guard rename(temp.path, target.path) == 0 else {
                try? manager.removeItem(at: temp)
                throw Problem(.internalError, "Could not store the uploaded file.")
            }
        }
        return BlobReference(sha256: sha, byteSize: hasher.byteCount)
    }

    public func abort() {
        try? handle.close()
        try? FileManager.default.removeItem(at: temp)
    }
}
