import Foundation

/// The controlled lists datasets are described with. Themes are the EU Data Theme codes DCAT-AP uses,
/// so the catalogue maps onto DCAT without guessing.
public enum Vocabularies {
    public static let themes: [(code: String, label: String)] = [
        ("AGRI", "Agriculture, fisheries, forestry and food"),
        ("ECON", "Economy and finance"),
        ("EDUC", "Education, culture and sport"),
        ("ENER", "Energy"),
        ("ENVI", "Environment"),
        ("GOVE", "Government and public sector"),
        ("HEAL", "Health"),
        ("INTR", "International issues"),
        ("JUST", "Justice, legal system and public safety"),
        ("REGI", "Regions and cities"),
        ("SOCI", "Population and society"),
        ("TECH", "Science and technology"),
        ("TRAN", "Transport"),
    ]

    public static func themeLabel(_ code: String) -> String? { themes.first { $0.code == code }?.label }

    /// Update frequencies, after the EU Frequency vocabulary.
    public static let frequencies: [String] = [
        "continuous", "hourly", "daily", "weekly", "fortnightly", "monthly", "quarterly", "biannual", "annual",
        "irregular", "never", "unknown",
    ]

    /// A short format name for a media type or file name, for people and facets.
    public static func format(mediaType: String?, fileName: String?) -> String? {
        let type = mediaType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        switch type {
        case "text/csv": return "CSV"
        case "application/geo+json", "application/vnd.geo+json": return "GeoJSON"
        case "application/json": return "JSON"
        case "application/ld+json": return "JSON-LD"
        case "application/xml", "text/xml": return "XML"
        case "application/pdf": return "PDF"
        case "application/zip": return "ZIP"
        case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": return "XLSX"
        case "application/vnd.ms-excel": return "XLS"
        case "application/vnd.google-earth.kml+xml": return "KML"
        case "application/vnd.apache.parquet": return "Parquet"
        case "text/turtle": return "Turtle"
        case "application/rdf+xml": return "RDF"
        case "text/html": return "HTML"
        case "text/plain": return "TXT"
        case "text/calendar": return "iCalendar"
        case "application/x-protobuf", "application/protobuf": return "Protobuf"
        default: break
        }
        guard let fileName, let dot = fileName.lastIndex(of: ".") else { return nil }
        let ext = fileName[fileName.index(after: dot)...].lowercased()
        switch ext {
        case "csv": return "CSV"
        case "geojson": return "GeoJSON"
        case "json": return "JSON"
        case "xml": return "XML"
        case "pdf": return "PDF"
        case "zip": return "ZIP"
        case "xlsx": return "XLSX"
        case "xls": return "XLS"
        case "kml": return "KML"
        case "parquet": return "Parquet"
        case "ttl": return "Turtle"
        case "rdf": return "RDF"
        case "txt": return "TXT"
        case "ics": return "iCalendar"
        default: return ext.count <= 10 && !ext.isEmpty ? ext.uppercased() : nil
        }
    }

    /// The media type a file name suggests, for uploads sent without one.
    public static func mediaType(fileName: String) -> String? {
        guard let dot = fileName.lastIndex(of: ".") else { return nil }
        switch fileName[fileName.index(after: dot)...].lowercased() {
        case "csv": return "text/csv"
        case "geojson": return "application/geo+json"
        case "json": return "application/json"
        case "xml": return "application/xml"
        case "pdf": return "application/pdf"
        case "zip": return "application/zip"
        case "xlsx": return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case "kml": return "application/vnd.google-earth.kml+xml"
        case "txt": return "text/plain"
        case "ics": return "text/calendar"
        default: return nil
        }
    }
}
