import AgoraCore
import Foundation
import GRDBSQLite

/// Builds a SQLite R*Tree over a table's points in one pass, packed along a Hilbert curve, writing
/// the module's shadow tables (`_node`, `_rowid`, `_parent`) in its node format. Inserting points
/// one by one costs SQLite's R*Tree about 30 µs each (half a minute per million); a packed tree takes
/// a few seconds, has full nodes, and queries at least as well. The tests check the result with
/// SQLite's own `rtreecheck()`.
enum RTreeBulkLoad {
    /// A 2-D cell: an 8-byte id and four 4-byte coordinates.
    static let cellBytes = 24

    struct Entry {
        var id: Int64
        var minLat: Float, maxLat: Float, minLon: Float, maxLon: Float
        var centreLat: Float { (minLat + maxLat) / 2 }
        var centreLon: Float { (minLon + maxLon) / 2 }
    }

    /// Rounds outward as SQLite does when it keeps coordinates as 32-bit floats, so a box never shrinks.
    static func down(_ value: Double) -> Float {
        let f = Float(value)
        return Double(f) > value ? f.nextDown : f
    }

    static func up(_ value: Double) -> Float {
        let f = Float(value)
        return Double(f) < value ? f.nextUp : f
    }

    /// Position along a Hilbert curve of 2^16 × 2^16 cells over the points' extent: nearby points get
    /// nearby positions, so consecutive runs make compact nodes.
    static func hilbert(lat: Double, lon: Double, south: Double, north: Double, west: Double, east: Double) -> Int64 {
        let n: Int64 = 1 << 16
        func cell(_ value: Double, _ low: Double, _ high: Double) -> Int64 {
            guard high > low else { return 0 }
            return min(n - 1, max(0, Int64((value - low) / (high - low) * Double(n))))
        }
        var x = cell(lon, west, east)
        var y = cell(lat, south, north)
        var d: Int64 = 0
        var s = n / 2
        while s > 0 {
            let rx: Int64 = (x & s) > 0 ? 1 : 0
            let ry: Int64 = (y & s) > 0 ? 1 : 0
            d += s * s * ((3 * rx) ^ ry)
            if ry == 0 {
                if rx == 1 {
                    x = n - 1 - x
                    y = n - 1 - y
                }
                swap(&x, &y)
            }
            s /= 2
        }
        return d
    }

    static func registerHilbert(_ db: SQLiteConnection) throws {
        let status = sqlite3_create_function_v2(
            db.handle, "agora_hilbert", 6, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil,
            { context, _, arguments in
                guard let arguments else { return }
                let values = (0..<6).map { sqlite3_value_double(arguments[$0]) }
                sqlite3_result_int64(
                    context,
                    RTreeBulkLoad.hilbert(
                        lat: values[0], lon: values[1], south: values[2], north: values[3], west: values[4], east: values[5]))
            }, nil, nil, nil)
        guard status == SQLITE_OK else { throw Problem(.internalError, "The curve function could not be registered: \(db.errorMessage)") }
    }

    static func bounds(_ group: [Entry], id: Int64) -> Entry {
        var box = group[0]
        for e in group.dropFirst() {
            box.minLat = min(box.minLat, e.minLat)
            box.maxLat = max(box.maxLat, e.maxLat)
            box.minLon = min(box.minLon, e.minLon)
            box.maxLon = max(box.maxLon, e.maxLon)
        }
        box.id = id
        return box
    }

    static func blob(_ cells: [Entry], depth: Int, nodeBytes: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: nodeBytes)
        out[0] = UInt8(depth >> 8)
        out[1] = UInt8(depth & 0xFF)
        out[2] = UInt8(cells.count >> 8)
        out[3] = UInt8(cells.count & 0xFF)
        var offset = 4
        func put(_ value: UInt64, bytes: Int) {
            for k in 0..<bytes { out[offset + k] = UInt8((value >> UInt64(8 * (bytes - 1 - k))) & 0xFF) }
            offset += bytes
        }
        for cell in cells {
            put(UInt64(bitPattern: cell.id), bytes: 8)
            for value in [cell.minLat, cell.maxLat, cell.minLon, cell.maxLon] { put(UInt64(value.bitPattern), bytes: 4) }
        }
        return out
    }

    /// Fills the empty R*Tree `name` (made with columns id, minlat, maxlat, minlon, maxlon) with the
    /// points of `table` in columns `lat` and `lon`. SQLite does the big sorts (on disk when it must),
    /// so memory holds only the levels above the leaves: about one entry per 51 points.
    static func load(_ db: SQLiteConnection, name: String, table: String, lat: String, lon: String) throws {
        let located = "\(lat) IS NOT NULL AND \(lon) IS NOT NULL"
        let countQuery = try db.prepare("SELECT count(*) FROM \(table) WHERE \(located)")
        _ = try db.step(countQuery)
        let count = Int(sqlite3_column_int64(countQuery, 0))
        sqlite3_reset(countQuery)
        guard count > 0 else { return }
        // Nodes must keep the size the module chose for the empty root when the table was made.
        let sizeQuery = try db.prepare("SELECT length(data) FROM \(name)_node WHERE nodeno = 1")
        guard try db.step(sizeQuery) else { throw Problem(.internalError, "The R*Tree has no root node.") }
        let nodeBytes = Int(sqlite3_column_int64(sizeQuery, 0))
        sqlite3_reset(sizeQuery)
        let maxCells = (nodeBytes - 4) / cellBytes
        guard maxCells >= 4 else { throw Problem(.internalError, "The R*Tree's nodes are too small.") }

        let leafCount = (count + maxCells - 1) / maxCells
        let boundsQuery = try db.prepare("SELECT min(\(lat)), max(\(lat)), min(\(lon)), max(\(lon)) FROM \(table) WHERE \(located)")
        _ = try db.step(boundsQuery)
        let extent = (0..<4).map { sqlite3_column_double(boundsQuery, Int32($0)) }
        sqlite3_reset(boundsQuery)
        try registerHilbert(db)
        let writeNode = try db.prepare("INSERT OR REPLACE INTO \(name)_node (nodeno, data) VALUES (?, ?)")
        func write(_ number: Int64, _ cells: [Entry], depth: Int) throws {
            let data = blob(cells, depth: depth, nodeBytes: nodeBytes)
            sqlite3_bind_int64(writeNode, 1, number)
            _ = data.withUnsafeBytes { sqlite3_bind_blob(writeNode, 2, $0.baseAddress, Int32(data.count), SQLiteConnection.transient) }
            guard sqlite3_step(writeNode) == SQLITE_DONE else { throw Problem(.internalError, "R*Tree node: \(db.errorMessage)") }
            sqlite3_reset(writeNode)
        }

        // Leaves, streamed in Hilbert order (SQLite sorts, spilling to disk), cut into full nodes.
        try db.execute("CREATE TEMP TABLE rtree_leaf_of (rowid_ INTEGER, node INTEGER)")
        let stage = try db.prepare("INSERT INTO rtree_leaf_of VALUES (?, ?)")
        let leaves = try db.prepare(
            """
            SELECT rowid, \(lat), \(lon) FROM \(table) WHERE \(located)
            ORDER BY agora_hilbert(\(lat), \(lon), \(extent[0]), \(extent[1]), \(extent[2]), \(extent[3]))
            """)
        var next: Int64 = leafCount == 1 ? 1 : 2
        var level: [Entry] = []
        level.reserveCapacity(leafCount)
        var parents: [(node: Int64, parent: Int64)] = []
        var cells: [Entry] = []
        func flush() throws {
            guard !cells.isEmpty else { return }
            let number = next
            next += 1
            try write(number, cells, depth: 0)
            for cell in cells {
                sqlite3_bind_int64(stage, 1, cell.id)
                sqlite3_bind_int64(stage, 2, number)
                guard sqlite3_step(stage) == SQLITE_DONE else { throw Problem(.internalError, "R*Tree rowid: \(db.errorMessage)") }
                sqlite3_reset(stage)
            }
            level.append(bounds(cells, id: number))
            cells.removeAll(keepingCapacity: true)
        }
        while try db.step(leaves) {
            if cells.count == maxCells { try flush() }
            let la = sqlite3_column_double(leaves, 1)
            let lo = sqlite3_column_double(leaves, 2)
            cells.append(Entry(id: sqlite3_column_int64(leaves, 0), minLat: down(la), maxLat: up(la), minLon: down(lo), maxLon: up(lo)))
        }
        sqlite3_reset(leaves)
        try flush()
        try db.execute("INSERT INTO \(name)_rowid (rowid, nodeno) SELECT rowid_, node FROM rtree_leaf_of ORDER BY rowid_")
        try db.execute("DROP TABLE rtree_leaf_of")

        // The levels above, in memory: each is a 51st of the one below, still in curve order.
        var height = 0
        while level.count > 1 {
            height += 1
            let groups = stride(from: 0, to: level.count, by: maxCells).map { Array(level[$0..<min($0 + maxCells, level.count)]) }
            var above: [Entry] = []
            for group in groups {
                let number: Int64 = groups.count == 1 ? 1 : next
                if groups.count > 1 { next += 1 }
                try write(number, group, depth: groups.count == 1 ? height : 0)
                for child in group { parents.append((child.id, number)) }
                above.append(bounds(group, id: number))
            }
            level = above
        }
        if height == 0 {
            // One leaf is the whole tree; it was written as node 1 with depth 0.
            return
        }
        parents.sort { $0.node < $1.node }
        let writeParent = try db.prepare("INSERT INTO \(name)_parent (nodeno, parentnode) VALUES (?, ?)")
        for (node, parent) in parents {
            sqlite3_bind_int64(writeParent, 1, node)
            sqlite3_bind_int64(writeParent, 2, parent)
            guard sqlite3_step(writeParent) == SQLITE_DONE else { throw Problem(.internalError, "R*Tree parent: \(db.errorMessage)") }
            sqlite3_reset(writeParent)
        }
    }

    /// SQLite's own structural check of an R*Tree: "ok", or what is wrong.
    static func check(_ db: SQLiteConnection, name: String) throws -> String {
        let statement = try db.prepare("SELECT rtreecheck('\(name)')")
        defer { sqlite3_reset(statement) }
        guard try db.step(statement), let text = sqlite3_column_text(statement, 0) else { return "no answer" }
        return String(cString: text)
    }
}
