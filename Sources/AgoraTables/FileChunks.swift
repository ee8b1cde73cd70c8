import Foundation

/// Reads a file front to back in fixed-size chunks with plain `read(2)`, so memory stays at one chunk.
final class FileChunks {
    private let descriptor: Int32
    private var buffer: [UInt8]
    private(set) var bytesRead = 0

    init(path: String, chunkSize: Int = 1 << 20) throws {
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw TableProblem.unreadable("The file could not be opened (\(String(cString: strerror(errno)))).")
        }
        buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    deinit { close(descriptor) }

    /// Calls `body` with the next chunk; returns false at the end of the file.
    func next(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Bool {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
        guard count >= 0 else { throw TableProblem.unreadable("The file could not be read (\(String(cString: strerror(errno)))).") }
        if count == 0 { return false }
        bytesRead += count
        try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
        return true
    }

    /// The first `limit` bytes of the file at `path`.
    static func sample(path: String, limit: Int = 64 << 10) throws -> [UInt8] {
        let chunks = try FileChunks(path: path, chunkSize: limit)
        var out: [UInt8] = []
        _ = try chunks.next { out = Array($0) }
        return out
    }
}
