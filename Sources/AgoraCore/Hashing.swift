import Crypto
import Foundation

public enum SHA256Hex {
    public static func of<D: DataProtocol>(_ data: D) -> String {
        hex(SHA256.hash(data: data))
    }

    public static func of(_ string: String) -> String { of(Data(string.utf8)) }

    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Hashes a stream of chunks without holding them all, for uploads.
public struct StreamingSHA256 {
    private var hasher = SHA256()
    public private(set) var byteCount: Int = 0
    public init() {}
    public mutating func update<D: DataProtocol>(_ data: D) {
        hasher.update(data: data)
        byteCount += data.count
    }
    public func finalizeHex() -> String { SHA256Hex.hex(hasher.finalize()) }
}
