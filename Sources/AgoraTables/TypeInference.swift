import AgoraStore
import Foundation

/// Which types a cell's text could be read as. A column's type is the narrowest type every one of
/// its non-empty cells allows.
struct TypeMask: OptionSet {
    let rawValue: UInt8
    static let integer = TypeMask(rawValue: 1)
    static let decimal = TypeMask(rawValue: 2)
    static let boolean = TypeMask(rawValue: 4)
    static let date = TypeMask(rawValue: 8)
    static let datetime = TypeMask(rawValue: 16)
    static let all: TypeMask = [.integer, .decimal, .boolean, .date, .datetime]

    var columnType: ColumnType {
        if contains(.integer) { return .integer }
        if contains(.decimal) { return .decimal }
        if contains(.boolean) { return .boolean }
        if contains(.date) { return .date }
        if contains(.datetime) { return .datetime }
        return .text
    }
}

enum CellClassifier {
    static let zero = UInt8(ascii: "0"), nine = UInt8(ascii: "9")

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= zero && b <= nine }

    /// The types `cell` allows, and whether a decimal reading needs more precision than a 64-bit float.
    static func classify(_ cell: UnsafeBufferPointer<UInt8>) -> (mask: TypeMask, needsExact: Bool) {
        let n = cell.count
        guard n > 0 else { return (.all, false) }
        let first = cell[0]
        if isDigit(first) || first == UInt8(ascii: "-") || first == UInt8(ascii: ".") {
            if let number = number(cell) { return number }
            if n >= 10 && isDigit(first) {
                if n == 10 && isDate(cell) { return ([.date], false) }
                if isDateTime(cell) { return ([.datetime], false) }
            }
            return ([], false)
        }
        if n <= 5 && isBoolean(cell) { return ([.boolean], false) }
        return ([], false)
    }

    /// Integers have no leading zeros ("007" and "02139" are codes, kept as text) and fit 64 bits;
    /// longer integers and other decimals are decimals.
    static func number(_ cell: UnsafeBufferPointer<UInt8>) -> (mask: TypeMask, needsExact: Bool)? {
        let n = cell.count
        var i = 0
        if cell[0] == UInt8(ascii: "-") { i = 1 }
        let intStart = i
        while i < n && isDigit(cell[i]) { i += 1 }
        let intDigits = i - intStart
        if intDigits > 1 && cell[intStart] == zero { return nil }
        var fracDigits = 0
        var isInteger = true
        if i < n && cell[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            let fracStart = i
            while i < n && isDigit(cell[i]) { i += 1 }
            fracDigits = i - fracStart
            if fracDigits == 0 { return nil }
        }
        if intDigits == 0 && fracDigits == 0 { return nil }
        var hasExponent = false
        if i < n && (cell[i] == UInt8(ascii: "e") || cell[i] == UInt8(ascii: "E")) {
            if intDigits == 0 { return nil }
            isInteger = false
            hasExponent = true
            i += 1
            if i < n && (cell[i] == UInt8(ascii: "+") || cell[i] == UInt8(ascii: "-")) { i += 1 }
            let expStart = i
            while i < n && isDigit(cell[i]) { i += 1 }
            if i == expStart || i - expStart > 3 { return nil }
        }
        guard i == n else { return nil }
        if isInteger {
            if intDigits < 19 { return ([.integer, .decimal], false) }
            if intDigits == 19 && fitsInt64(cell, digitsFrom: intStart) { return ([.integer, .decimal], false) }
            return ([.decimal], true)
        }
        // Significant digits beyond 15 may not survive a round trip through a 64-bit float.
        var significant = intDigits + fracDigits
        var k = intStart
        while k < n && (cell[k] == zero || cell[k] == UInt8(ascii: ".")) {
            if cell[k] == zero { significant -= 1 }
            k += 1
        }
        return ([.decimal], significant > 15 && !hasExponent || significant > 17)
    }

    static func fitsInt64(_ cell: UnsafeBufferPointer<UInt8>, digitsFrom start: Int) -> Bool {
        let limit = Array((start > 0 ? "9223372036854775808" : "9223372036854775807").utf8)
        for (k, b) in limit.enumerated() {
            let c = cell[start + k]
            if c != b { return c < b }
        }
        return true
    }

    static func isBoolean(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        var lower: UInt64 = 0
        for b in cell { lower = lower << 8 | UInt64(b | 0x20) }
        switch lower {
        case 0x7472_7565, 0x66_616C_7365, 0x79_6573, 0x6E6F: return true  // true, false, yes, no
        default: return false
        }
    }

    static func digits(_ cell: UnsafeBufferPointer<UInt8>, _ from: Int, _ count: Int) -> Int? {
        var value = 0
        for k in from..<(from + count) {
            guard isDigit(cell[k]) else { return nil }
            value = value * 10 + Int(cell[k] - zero)
        }
        return value
    }

    /// YYYY-MM-DD at the start of `cell`, with a real month and day.
    static func isDate(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        guard cell.count >= 10, cell[4] == UInt8(ascii: "-"), cell[7] == UInt8(ascii: "-"),
            digits(cell, 0, 4) != nil, let month = digits(cell, 5, 2), let day = digits(cell, 8, 2)
        else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
    }

    /// YYYY-MM-DD, then T or a space, HH:MM, optional :SS and fraction, optional Z or ±HH[:MM].
    static func isDateTime(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = cell.count
        guard n >= 16, isDate(cell), cell[10] == UInt8(ascii: "T") || cell[10] == UInt8(ascii: " "),
            let hour = digits(cell, 11, 2), cell[13] == UInt8(ascii: ":"), let minute = digits(cell, 14, 2),
            hour < 24, minute < 60
        else { return false }
        var i = 16
        if i < n && cell[i] == UInt8(ascii: ":") {
            guard i + 3 <= n, let second = digits(cell, i + 1, 2), second < 61 else { return false }
            i += 3
            if i < n && cell[i] == UInt8(ascii: ".") {
                i += 1
                let start = i
                while i < n && isDigit(cell[i]) { i += 1 }
                if i == start { return false }
            }
        }
        if i == n { return true }
        if cell[i] == UInt8(ascii: "Z") { return i + 1 == n }
        guard cell[i] == UInt8(ascii: "+") || cell[i] == UInt8(ascii: "-"), i + 3 <= n, digits(cell, i + 1, 2) != nil
        else { return false }
        i += 3
        if i == n { return true }
        if cell[i] == UInt8(ascii: ":") { i += 1 }
        return i + 2 == n && digits(cell, i, 2) != nil
    }
}

/// Watches every cell of one column during the first pass: what it could be, how many are empty,
/// and its extremes under each reading.
struct ColumnProfiler {
    var mask = TypeMask.all
    var needsExact = false
    var nulls = 0
    var seen = 0
    var longest = 0
    var minInteger = Int64.max
    var maxInteger = Int64.min
    var minNumber = Double.infinity
    var maxNumber = -Double.infinity
    var minText: [UInt8]?
    var maxText: [UInt8]?
    var scratch = [CChar](repeating: 0, count: 64)

    mutating func observe(_ cell: UnsafeBufferPointer<UInt8>) {
        if cell.isEmpty {
            nulls += 1
            return
        }
        seen += 1
        if cell.count > longest { longest = cell.count }
        if !mask.isEmpty {
            let (cellMask, exact) = CellClassifier.classify(cell)
            mask.formIntersection(cellMask)
            if exact { needsExact = true }
            if mask.contains(.integer) {
                let value = parseInt(cell)
                minInteger = Swift.min(minInteger, value)
                maxInteger = Swift.max(maxInteger, value)
            }
            if mask.contains(.decimal) {
                let value = parseDouble(cell)
                minNumber = Swift.min(minNumber, value)
                maxNumber = Swift.max(maxNumber, value)
            }
        }
        if minText == nil || Self.less(cell, minText!) { minText = Array(cell) }
        if maxText == nil || Self.less(maxText!, cell) { maxText = Array(cell) }
    }

    static func less(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
        b.withUnsafeBufferPointer { less(a, $0) }
    }

    static func less(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.withUnsafeBufferPointer { less($0, b) }
    }

    static func less(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = Swift.min(a.count, b.count)
        if common > 0 {
            let order = memcmp(a.baseAddress!, b.baseAddress!, common)
            if order != 0 { return order < 0 }
        }
        return a.count < b.count
    }

    func parseInt(_ cell: UnsafeBufferPointer<UInt8>) -> Int64 {
        var value: Int64 = 0
        var negative = false
        for b in cell {
            if b == UInt8(ascii: "-") {
                negative = true
                continue
            }
            value = value &* 10 &+ Int64(b &- CellClassifier.zero)
        }
        return negative ? 0 &- value : value
    }

    mutating func parseDouble(_ cell: UnsafeBufferPointer<UInt8>) -> Double {
        let n = Swift.min(cell.count, 63)
        for k in 0..<n { scratch[k] = CChar(bitPattern: cell[k]) }
        scratch[n] = 0
        return scratch.withUnsafeBufferPointer { strtod($0.baseAddress!, nil) }
    }

    /// The column as inferred; an all-empty column is text.
    func column(named name: String) -> TableColumn {
        let type = seen == 0 ? ColumnType.text : mask.columnType
        var column = TableColumn(name: name, type: type, exact: type == .decimal && needsExact, nulls: nulls)
        guard seen > 0 else { return column }
        switch type {
        case .integer:
            column.min = String(minInteger)
            column.max = String(maxInteger)
        case .decimal where !column.exact:
            column.min = Self.format(minNumber)
            column.max = Self.format(maxNumber)
        case .boolean:
            column.min = nil
            column.max = nil
        default:
            column.min = minText.map { String(decoding: $0, as: UTF8.self) }
            column.max = maxText.map { String(decoding: $0, as: UTF8.self) }
        }
        return column
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// Names that mark a column as latitude or longitude.
enum GeoNames {
    static let latitude: Set<String> = ["lat", "latitude", "y_lat", "lat_wgs84", "latitude_wgs84"]
    static let longitude: Set<String> = ["lon", "lng", "long", "longitude", "x_lon", "lon_wgs84", "longitude_wgs84"]

    /// The latitude and longitude columns, when a table has numeric ones within range.
    static func detect(_ columns: [TableColumn]) -> GeoColumns? {
        func find(_ names: Set<String>, limit: Double) -> String? {
            columns.first { column in
                guard names.contains(column.name.lowercased()), column.type.isNumeric, !column.exact,
                    let low = column.min.flatMap(Double.init), let high = column.max.flatMap(Double.init)
                else { return false }
                return low >= -limit && high <= limit
            }?.name
        }
        guard let latitude = find(latitude, limit: 90), let longitude = find(longitude, limit: 180) else { return nil }
        return GeoColumns(latitude: latitude, longitude: longitude)
    }
}
