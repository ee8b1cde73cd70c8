import AgoraCore
import AgoraStore
import Foundation

/// A JSON value as read from a GeoJSON feature, booleans kept apart from numbers.
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// The value as a table cell: empty for null, compact JSON for arrays and objects.
    var cellText: String {
        switch self {
        case .null: return ""
        case .bool(let value): return value ? "true" : "false"
        case .integer(let value): return String(value)
        case .number(let value): return ColumnProfiler.format(value)
        case .string(let value): return value
        case .array, .object: return json
        }
    }

    var json: String {
        switch self {
        case .null: return "null"
        case .bool, .integer, .number: return cellText
        case .string(let value): return AgoraJSON.quote(value)
        case .array(let items): return "[" + items.map(\.json).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { AgoraJSON.quote($0) + ":" + members[$0]!.json }.joined(separator: ",") + "}"
        }
    }

    var double: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .number(let value): return value
        default: return nil
        }
    }
}

/// Finds each feature object of a FeatureCollection's "features" array in a byte stream, so a
/// file of any size is read one feature at a time.
struct FeatureSplitter {
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var stringBytes: [UInt8] = []
    private var lastKeyAtTop: [UInt8] = []
    private var inFeatures = false
    private(set) var sawFeatures = false
    private var feature: [UInt8] = []
    private var collecting = false
    private(set) var featureCount = 0
    let maxFeatureBytes: Int

    init(maxFeatureBytes: Int) { self.maxFeatureBytes = maxFeatureBytes }

    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, emit: ([UInt8]) throws -> Void) throws {
        for b in chunk {
            if collecting {
                feature.append(b)
                if feature.count > maxFeatureBytes {
                    throw TableProblem.invalid(
                        "Feature \(featureCount + 1) is longer than the limit of \(maxFeatureBytes) bytes.")
                }
            }
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 1 { lastKeyAtTop = stringBytes }
                } else if depth == 1 && stringBytes.count < 64 {
                    stringBytes.append(b)
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
                stringBytes.removeAll(keepingCapacity: true)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 0 && b != UInt8(ascii: "{") {
                    throw TableProblem.invalid("A GeoJSON file must hold one FeatureCollection object.")
                }
                if depth == 1 && b == UInt8(ascii: "[") && lastKeyAtTop == Array("features".utf8) {
                    inFeatures = true
                    sawFeatures = true
                } else if depth == 2 && inFeatures && b == UInt8(ascii: "{") {
                    collecting = true
                    feature = [b]
                }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth < 0 { throw TableProblem.invalid("The GeoJSON is not valid JSON: a bracket closes that was never opened.") }
                if depth == 2 && collecting && b == UInt8(ascii: "}") {
                    collecting = false
                    featureCount += 1
                    try emit(feature)
                } else if depth == 1 && inFeatures {
                    inFeatures = false
                }
            default:
                break
            }
        }
    }

    func finish() throws {
        if depth != 0 || inString { throw TableProblem.invalid("The GeoJSON ends before its last object is closed.") }
        if !sawFeatures { throw TableProblem.invalid("The file is JSON but not a GeoJSON FeatureCollection (no \"features\" array).") }
    }
}

/// GeoJSON FeatureCollections as tables: each property a column, the geometry kept as GeoJSON, and
/// every feature's point (or the centre of its bounding box) as latitude and longitude.
enum GeoJSONSource {
    struct Feature {
        var properties: [String: JSONValue]
        var geometry: JSONValue?
        var point: (latitude: Double, longitude: Double)?
    }

    static func decode(_ bytes: [UInt8], number: Int) throws -> Feature {
        guard case .object(let object) = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            throw TableProblem.invalid("Feature \(number) is not a valid JSON object.")
        }
        var properties: [String: JSONValue] = [:]
        if case .object(let members)? = object["properties"] { properties = members }
        let geometry = object["geometry"].flatMap { $0 == .null ? nil : $0 }
        return Feature(properties: properties, geometry: geometry, point: geometry.flatMap(centre))
    }

    /// A point's coordinates, or the centre of any other geometry's bounding box.
    static func centre(_ geometry: JSONValue) -> (latitude: Double, longitude: Double)? {
        guard case .object(let members) = geometry, let coordinates = members["coordinates"] else { return nil }
        var bounds = (minLat: Double.infinity, maxLat: -Double.infinity, minLon: Double.infinity, maxLon: -Double.infinity)
        func visit(_ value: JSONValue) {
            guard case .array(let items) = value else { return }
            if items.count >= 2, let lon = items[0].double, let lat = items[1].double {
                bounds = (min(bounds.minLat, lat), max(bounds.maxLat, lat), min(bounds.minLon, lon), max(bounds.maxLon, lon))
            } else {
                items.forEach(visit)
            }
        }
        visit(coordinates)
        guard bounds.minLat <= bounds.maxLat, abs(bounds.minLat) <= 90, abs(bounds.maxLat) <= 90 else { return nil }
        return ((bounds.minLat + bounds.maxLat) / 2, (bounds.minLon + bounds.maxLon) / 2)
    }

    static func forEachFeature(
        path: String, options: IngestOptions, chunk: (Int) -> Void = { _ in }, _ body: (Feature) throws -> Void
    ) throws -> (count: Int, bytes: Int, checksum: String) {
        let chunks = try FileChunks(path: path)
        var splitter = FeatureSplitter(maxFeatureBytes: options.maxRecordBytes)
        var hasher = StreamingSHA256()
        var number = 0
        while try chunks.next({ bytes in
            hasher.update(bytes)
            try splitter.feed(bytes) { raw in
                number += 1
                try body(try decode(raw, number: number))
            }
        }) {
            chunk(chunks.bytesRead)
        }
        try splitter.finish()
        return (number, chunks.bytesRead, hasher.finalizeHex())
    }

    static func profile(path: String, options: IngestOptions, progress: (Int) -> Void) throws -> TableProfile {
        var names: [String] = []
        var known = Set<String>()
        var profilers: [String: ColumnProfiler] = [:]
        var geometries = 0
        var rows = 0
        var latitudes = ColumnProfiler()
        var longitudes = ColumnProfiler()
        let result = try forEachFeature(path: path, options: options, chunk: progress) { feature in
            rows += 1
            for key in feature.properties.keys.sorted() where !known.contains(key) {
                known.insert(key)
                names.append(key)
                guard names.count <= options.maxColumns else {
                    throw TableProblem.invalid("The features have more than \(options.maxColumns) distinct properties.")
                }
                // Features before this one lacked the property: their cells are empty.
                var profiler = ColumnProfiler()
                profiler.nulls = rows - 1
                profilers[key] = profiler
            }
            for key in names {
                let text = Array((feature.properties[key] ?? .null).cellText.utf8)
                text.withUnsafeBufferPointer { profilers[key]!.observe($0) }
            }
            if feature.geometry != nil { geometries += 1 }
            let point = feature.point.map { (String($0.latitude), String($0.longitude)) } ?? ("", "")
            Array(point.0.utf8).withUnsafeBufferPointer { latitudes.observe($0) }
            Array(point.1.utf8).withUnsafeBufferPointer { longitudes.observe($0) }
        }
        guard result.count > 0 else { throw TableProblem.invalid("The FeatureCollection holds no features.") }
        var columns = names.map { profilers[$0]!.column(named: $0) }
        let extra = TableSource.columnNames(names + ["geometry", "latitude", "longitude"]).suffix(3)
        let (geometryName, latitudeName, longitudeName) = (
            extra[extra.startIndex], extra[extra.startIndex + 1], extra[extra.startIndex + 2]
        )
        columns.append(TableColumn(name: geometryName, type: .text, nulls: rows - geometries))
        var latitude = latitudes.column(named: latitudeName)
        var longitude = longitudes.column(named: longitudeName)
        // Whole-degree coordinates still are decimals.
        latitude.type = .decimal
        longitude.type = .decimal
        columns += [latitude, longitude]
        return TableProfile(
            format: .geojson, encoding: .utf8, delimiter: nil, columns: columns,
            longest: names.map { profilers[$0]!.longest } + [Int.max, latitudes.longest, longitudes.longest],
            geo: GeoColumns(latitude: latitudeName, longitude: longitudeName, geometry: geometryName), rowCount: rows,
            paddedRows: 0, truncatedRows: 0, byteSize: result.bytes, checksum: result.checksum)
    }

    /// The second pass: each feature as a row of cells in the profile's column order.
    struct Reader: RowReader {
        let chunks: FileChunks
        var splitter: FeatureSplitter
        let propertyNames: [String]
        var number = 0
        var done = false

        init(path: String, profile: TableProfile, options: IngestOptions) throws {
            chunks = try FileChunks(path: path)
            splitter = FeatureSplitter(maxFeatureBytes: options.maxRecordBytes)
            propertyNames = profile.columns.dropLast(3).map(\.name)
        }

        var bytesRead: Int { chunks.bytesRead }

        mutating func next(_ body: (CSVRecord) throws -> Void) throws -> Bool {
            if done { return false }
            var splitter = self.splitter
            var number = self.number
            let names = propertyNames
            defer {
                self.splitter = splitter
                self.number = number
            }
            let more = try chunks.next { bytes in
                try splitter.feed(bytes) { raw in
                    number += 1
                    let feature = try GeoJSONSource.decode(raw, number: number)
                    var cells: [UInt8] = []
                    var ends: [Int] = []
                    for name in names {
                        cells.append(contentsOf: (feature.properties[name] ?? .null).cellText.utf8)
                        ends.append(cells.count)
                    }
                    cells.append(contentsOf: (feature.geometry?.json ?? "").utf8)
                    ends.append(cells.count)
                    if let point = feature.point {
                        cells.append(contentsOf: String(point.latitude).utf8)
                        ends.append(cells.count)
                        cells.append(contentsOf: String(point.longitude).utf8)
                        ends.append(cells.count)
                    } else {
                        ends.append(cells.count)
                        ends.append(cells.count)
                    }
                    try body(CSVRecord(bytes: cells, ends: ends, line: number))
                }
            }
            if !more {
                try splitter.finish()
                done = true
            }
            return true
        }
    }
}
