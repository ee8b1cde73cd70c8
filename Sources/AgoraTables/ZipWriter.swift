import AgoraCore
import Foundation

/// Writes a ZIP archive of stored (uncompressed) entries as a stream: each entry's header, then its
/// bytes, and the central directory at the end. CSV is left uncompressed so the archive can be
/// streamed from the files as they are; entries are limited to 4 GB (no ZIP64).
struct ZipWriter {
    private struct Entry {
        var name: [UInt8]
        var crc: UInt32
        var size: UInt32
        var offset: UInt32
    }

    private var entries: [Entry] = []
    private var offset = 0
    static let maxEntryBytes = Int(UInt32.max)

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: UnsafeBufferPointer<UInt8>, _ crc: UInt32 = 0) -> UInt32 {
        var c = ~crc
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return ~c
    }

    /// The CRC-32 and size of a file, read in chunks.
    static func checksum(path: String) throws -> (crc: UInt32, size: Int) {
        let chunks = try FileChunks(path: path)
        var crc: UInt32 = 0
        while try chunks.next({ crc = crc32($0, crc) }) {}
        return (crc, chunks.bytesRead)
    }

    private static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }

    /// The local header for an entry of `size` bytes with checksum `crc`; its bytes follow it.
    mutating func header(name: String, size: Int, crc: UInt32) throws -> [UInt8] {
        guard size <= Self.maxEntryBytes, offset + size <= Self.maxEntryBytes else {
            throw Problem(.payloadTooLarge, "The package is too large for a ZIP archive without ZIP64.")
        }
        let nameBytes = Array(name.utf8)
        entries.append(Entry(name: nameBytes, crc: crc, size: UInt32(size), offset: UInt32(offset)))
        var out: [UInt8] = Self.le32(0x0403_4B50)
        out += Self.le16(20) + Self.le16(0x0800) + Self.le16(0) + Self.le16(0) + Self.le16(0x21)  // UTF-8 names, stored, 1980-01-01
        out += Self.le32(crc) + Self.le32(UInt32(size)) + Self.le32(UInt32(size))
        out += Self.le16(nameBytes.count) + Self.le16(0) + nameBytes
        offset += out.count + size
        return out
    }

    /// The central directory and the end record.
    func finish() -> [UInt8] {
        var directory: [UInt8] = []
        for e in entries {
            directory += Self.le32(0x0201_4B50) + Self.le16(20) + Self.le16(20) + Self.le16(0x0800) + Self.le16(0)
            directory += Self.le16(0) + Self.le16(0x21) + Self.le32(e.crc) + Self.le32(e.size) + Self.le32(e.size)
            directory += Self.le16(e.name.count) + Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le16(0)
            directory += Self.le32(0) + Self.le32(e.offset) + e.name
        }
        var end: [UInt8] = Self.le32(0x0605_4B50) + Self.le16(0) + Self.le16(0)
        end += Self.le16(entries.count) + Self.le16(entries.count) + Self.le32(UInt32(directory.count)) + Self.le32(UInt32(offset))
        end += Self.le16(0)
        return directory + end
    }
}

extension DataPackage {
    /// The package as a ZIP archive: `datapackage.json` with relative paths, and under `data/` every
    /// file this hub holds; `files` gives their paths by resource name. `write` receives the bytes.
    public static func zip(
        _ package: Package, files: [String: String], write: ([UInt8]) async throws -> Void
    ) async throws {
        var package = package
        var included: [(name: String, path: String)] = []
        for index in package.resources.indices {
            let resource = package.resources[index]
            guard let path = files[resource.name] else { continue }
            let name = "data/\(resource.name).\(resource.format ?? "dat")"
            package.resources[index].path = name
            included.append((name, path))
        }
        var writer = ZipWriter()
        let json = Array(try AgoraJSON.encodeString(package).utf8)
        try await write(
            try writer.header(name: "datapackage.json", size: json.count, crc: json.withUnsafeBufferPointer { ZipWriter.crc32($0) }) + json)
        for (name, path) in included {
            let (crc, size) = try ZipWriter.checksum(path: path)
            try await write(try writer.header(name: name, size: size, crc: crc))
            let chunks = try FileChunks(path: path)
            var chunk: [UInt8] = []
            while try chunks.next({ chunk = Array($0) }) { try await write(chunk) }
        }
        try await write(writer.finish())
    }
}
