import AgoraStore
import Foundation

/// One cell as read from a database row; text is only valid until the next row is read.
public enum Cell {
    case null
    case integer(Int64)
    case real(Double)
    case boolean(Bool)
    case text(UnsafeBufferPointer<UInt8>)
}

/// Writes rows straight into bytes in one of the export formats: no intermediate objects, no
/// `JSONEncoder` on the hot path.
public struct RowEncoder {
    public let format: ExportFormat
    public let columns: [OutputColumn]
    let names: [[UInt8]]
    let geometryColumn: Int?
    let latitudeColumn: Int?
    let longitudeColumn: Int?
    let distanceColumn: Int?
    public var out: [UInt8] = []
    private(set) var rows = 0

    init(format: ExportFormat, columns: [OutputColumn], geo: GeoColumns?, distanceColumn: Int?) {
        self.format = format
        self.columns = columns
        self.distanceColumn = distanceColumn
        names = columns.map { Array(AgoraJSONBytes.quoted($0.name)) }
        geometryColumn = geo?.geometry.flatMap { name in columns.firstIndex { $0.name == name } }
        latitudeColumn = geo.flatMap { geo in columns.firstIndex { $0.name == geo.latitude } }
        longitudeColumn = geo.flatMap { geo in columns.firstIndex { $0.name == geo.longitude } }
        out.reserveCapacity(64 << 10)
    }

    public mutating func begin() {
        switch format {
        case .json:
            out += Array("{\"columns\":[".utf8)
            for (i, column) in columns.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out += Array("{\"name\":".utf8) + names[i] + Array(",\"type\":\"\(column.type.rawValue)\"}".utf8)
            }
            out += Array("],\"rows\":[".utf8)
        case .csv:
            for (i, column) in columns.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                csvField(Array(column.name.utf8))
            }
            out += [13, 10]
        case .ndjson:
            break
        case .geojson:
            out += Array("{\"type\":\"FeatureCollection\",\"features\":[".utf8)
        }
    }

    /// Writes one row; `cell(i)` gives output column i.
    public mutating func row(_ cell: (Int) -> Cell) {
        defer { rows += 1 }
        switch format {
        case .json, .ndjson:
            if format == .json && rows > 0 { out.append(UInt8(ascii: ",")) }
            object(cell, skipping: nil)
            if format == .ndjson { out.append(10) }
        case .csv:
            for i in columns.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                csvCell(cell(i), column: i)
            }
            out += [13, 10]
        case .geojson:
            if rows > 0 { out.append(UInt8(ascii: ",")) }
            out += Array("{\"type\":\"Feature\",\"geometry\":".utf8)
            if let g = geometryColumn, case .text(let raw) = cell(g), raw.count > 0 {
                out.append(contentsOf: raw)
            } else if let lat = latitudeColumn, let lon = longitudeColumn, let y = number(cell(lat)), let x = number(cell(lon)) {
                out += Array("{\"type\":\"Point\",\"coordinates\":[\(x),\(y)]}".utf8)
            } else {
                out += Array("null".utf8)
            }
            out += Array(",\"properties\":".utf8)
            object(cell, skipping: geometryColumn)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Closes the document; `next` and `total` go at the end of the JSON object.
    public mutating func end(next: String?, total: Int?) {
        switch format {
        case .json:
            out += Array("],\"next\":".utf8)
            out += next.map { Array(AgoraJSONBytes.quoted($0)) } ?? Array("null".utf8)
            if let total { out += Array(",\"total\":\(total)".utf8) }
            out.append(UInt8(ascii: "}"))
        case .geojson:
            out += Array("]}".utf8)
        case .csv, .ndjson:
            break
        }
    }

    private func number(_ cell: Cell) -> Double? {
        switch cell {
        case .integer(let value): return Double(value)
        case .real(let value): return value
        case .text(let raw): return Double(String(decoding: raw, as: UTF8.self))
        default: return nil
        }
    }

    private mutating func object(_ cell: (Int) -> Cell, skipping: Int?) {
        out.append(UInt8(ascii: "{"))
        var first = true
        for i in columns.indices where i != skipping {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: names[i])
            out.append(UInt8(ascii: ":"))
            jsonCell(cell(i), column: i)
        }
        out.append(UInt8(ascii: "}"))
    }

    private mutating func jsonCell(_ cell: Cell, column: Int) {
        let type = columns[column].type
        switch cell {
        case .null:
            out += [110, 117, 108, 108]
        case .integer(let value):
            if type == .boolean {
                out += value != 0 ? Array("true".utf8) : Array("false".utf8)
            } else {
                appendInteger(value)
            }
        case .real(let value):
            if column == distanceColumn {
                appendDouble((value.squareRoot() * 10).rounded() / 10)
            } else {
                appendDouble(value)
            }
        case .boolean(let value):
            out += value ? Array("true".utf8) : Array("false".utf8)
        case .text(let raw):
            AgoraJSONBytes.appendQuoted(raw, to: &out)
        }
    }

    private mutating func csvCell(_ cell: Cell, column: Int) {
        switch cell {
        case .null: break
        case .integer(let value):
            if columns[column].type == .boolean {
                out += value != 0 ? Array("true".utf8) : Array("false".utf8)
            } else {
                appendInteger(value)
            }
        case .real(let value):
            appendDouble(column == distanceColumn ? (value.squareRoot() * 10).rounded() / 10 : value)
        case .boolean(let value): out += value ? Array("true".utf8) : Array("false".utf8)
        case .text(let raw): csvField(raw)
        }
    }

    private mutating func csvField<C: Collection<UInt8>>(_ bytes: C) {
        let needsQuotes = bytes.contains { (b: UInt8) -> Bool in b == 44 || b == 34 || b == 10 || b == 13 }
        guard needsQuotes else { return out.append(contentsOf: bytes) }
        out.append(UInt8(ascii: "\""))
        for b in bytes {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }

    private mutating func appendInteger(_ value: Int64) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var v = value.magnitude
        var divisor: UInt64 = 1
        while divisor <= v / 10 { divisor *= 10 }
        repeat {
            out.append(UInt8(ascii: "0") &+ UInt8(v / divisor))
            v %= divisor
            divisor /= 10
        } while divisor > 0
    }

    private mutating func appendDouble(_ value: Double) {
        guard value.isFinite else {
            out += [110, 117, 108, 108]
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            appendInteger(Int64(value))
            out += [UInt8(ascii: "."), UInt8(ascii: "0")]
        } else {
            out += Array(value.description.utf8)
        }
    }
}

enum AgoraJSONBytes {
    static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        Array(text.utf8).withUnsafeBufferPointer { appendQuoted($0, to: &out) }
        return out
    }

    static let hex = Array("0123456789abcdef".utf8)

    static func appendQuoted(_ raw: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var start = 0
        for (i, b) in raw.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
            if i > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: raw[start..<i])) }
            start = i + 1
            switch b {
            case UInt8(ascii: "\""): out += [92, 34]
            case UInt8(ascii: "\\"): out += [92, 92]
            case 10: out += [92, 110]
            case 13: out += [92, 114]
            case 9: out += [92, 116]
            default: out += [92, 117, 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        if raw.count > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: raw[start..<raw.count])) }
        out.append(UInt8(ascii: "\""))
    }
}
