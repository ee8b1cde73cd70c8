import AgoraCore
import Foundation

/// What a table column holds, inferred from every cell of the file it came from.
public enum ColumnType: String, Codable, Sendable, CaseIterable {
    case integer, decimal, boolean, date, datetime, text

    public var isNumeric: Bool { self == .integer || self == .decimal }
}

/// One column of a table version: its public name, its type and what the import saw in it.
public struct TableColumn: Codable, Sendable, Equatable {
    public var name: String
    public var type: ColumnType
    /// Decimals that a 64-bit float cannot hold exactly are kept as exact text (and served as strings).
    public var exact: Bool
    public var nulls: Int
    /// The smallest and largest value, as text; nil when the column is all null.
    public var min: String?
    public var max: String?

    public init(name: String, type: ColumnType, exact: Bool = false, nulls: Int = 0, min: String? = nil, max: String? = nil) {
        self.name = name
        self.type = type
        self.exact = exact
        self.nulls = nulls
        self.min = min
        self.max = max
    }
}

/// The columns holding a geographic table's points.
public struct GeoColumns: Codable, Sendable, Equatable {
    public var latitude: String
    public var longitude: String
    /// The column holding each feature's GeoJSON geometry, for tables made from GeoJSON.
    public var geometry: String?

    public init(latitude: String, longitude: String, geometry: String? = nil) {
        self.latitude = latitude
        self.longitude = longitude
        self.geometry = geometry
    }
}

/// One complete, immutable load of a table. A new upload makes a new version; the table serves
/// its newest version, and older ones stay listed.
public struct TableVersion: Codable, Sendable, Equatable {
    public var tableID: String
    public var version: Int
    /// Where the engine keeps this version's rows (a file name or a PostgreSQL table name).
    public var storage: String
    public var rowCount: Int
    public var columns: [TableColumn]
    public var geo: GeoColumns?
    /// The source file's name, size and SHA-256.
    public var sourceName: String
    public var byteSize: Int
    public var checksum: String
    public var format: String
    public var encoding: String
    public var delimiter: String?
    /// Rows padded or truncated by a lenient import.
    public var paddedRows: Int
    public var truncatedRows: Int
    /// The columns that identify a row, when a writer declared them (CKAN's datastore primary_key).
    public var primaryKey: [String]?
    public var created: Date

    enum CodingKeys: String, CodingKey {
        case tableID = "table_id"
        case version, storage
        case rowCount = "row_count"
        case columns, geo
        case sourceName = "source_name"
        case byteSize = "byte_size"
        case checksum, format, encoding, delimiter
        case paddedRows = "padded_rows"
        case truncatedRows = "truncated_rows"
        case primaryKey = "primary_key"
        case created
    }

    public init(
        tableID: String, version: Int, storage: String, rowCount: Int, columns: [TableColumn], geo: GeoColumns?,
        sourceName: String, byteSize: Int, checksum: String, format: String, encoding: String, delimiter: String?,
        paddedRows: Int = 0, truncatedRows: Int = 0, created: Date
    ) {
        self.tableID = tableID
        self.version = version
        self.storage = storage
        self.rowCount = rowCount
        self.columns = columns
        self.geo = geo
        self.sourceName = sourceName
        self.byteSize = byteSize
        self.checksum = checksum
        self.format = format
        self.encoding = encoding
        self.delimiter = delimiter
        self.paddedRows = paddedRows
        self.truncatedRows = truncatedRows
        self.created = created
    }

    public func column(named name: String) -> (index: Int, column: TableColumn)? {
        guard let index = columns.firstIndex(where: { $0.name == name }) else { return nil }
        return (index, columns[index])
    }
}

/// A queryable table made from one of a dataset's distributions.
public struct DataTable: Codable, Sendable, Equatable {
    public var id: String
    public var datasetID: String
    public var datasetSlug: String
    public var distributionID: String
    public var title: String
    public var created: Date
    public var modified: Date
    /// The version being served; nil until the first load completes.
    public var current: TableVersion?

    enum CodingKeys: String, CodingKey {
        case id
        case datasetID = "dataset_id"
        case datasetSlug = "dataset_slug"
        case distributionID = "distribution_id"
        case title, created, modified, current
    }

    public init(
        id: String, datasetID: String, datasetSlug: String, distributionID: String, title: String, created: Date,
        modified: Date, current: TableVersion? = nil
    ) {
        self.id = id
        self.datasetID = datasetID
        self.datasetSlug = datasetSlug
        self.distributionID = distributionID
        self.title = title
        self.created = created
        self.modified = modified
        self.current = current
    }
}
