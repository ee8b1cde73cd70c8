import AgoraCore
import AgoraPeople
import AgoraStore
import Foundation

/// A small, deterministic city to explore: a council, a rail operator, a supermarket chain and a
/// neighbourhood group, with realistic datasets and small CSV files generated here (no download).
public enum DemoCity {
    /// Loads the city unless its first publisher is already there; says whether it loaded.
    @discardableResult
    public static func load(catalog: CatalogService, accounts: AccountService, blobs: BlobStore) async throws -> Bool {
        if try await catalog.store.publisher(slug: "riverton-council") != nil { return false }
        let admin = Identity(account: try await accounts.ensureSiteAdmin(), memberships: [])
        for p in publishers { _ = try await catalog.createPublisher(p, by: admin) }
        for (input, files) in datasets() {
            let dataset = try await catalog.createDataset(input, by: admin)
            for file in files {
                let blob = try blobs.put(Data(file.content.utf8))
                _ = try await catalog.addUploadedDistribution(
                    slug: dataset.slug, blob: blob, title: file.title, fileName: file.name, mediaType: "text/csv", by: admin)
            }
        }
        return true
    }

    static let publishers: [PublisherInput] = [
        .init(
            slug: "riverton-council", title: "Riverton City Council",
            description: "The city council: housing, air quality, transport, spending and local services.",
            kind: .organisation, homepage: "https://www.riverton.example/", email: "opendata@riverton.example"),
        .init(
            slug: "riverton-rail", title: "Riverton Rail",
            description: "Runs the city's suburban trains and publishes stations, timetables and punctuality.",
            kind: .organisation, homepage: "https://rail.riverton.example/", email: "data@rail.riverton.example"),
        .init(
            slug: "freshmart", title: "FreshMart Supermarkets",
            description: "A supermarket chain publishing its store locations, opening hours and car park occupancy.",
            kind: .organisation, homepage: "https://freshmart.example/", email: "open@freshmart.example"),
        .init(
            slug: "northside-neighbours", title: "Northside Neighbours",
            description: "A neighbourhood group that maps street trees and lists family events in Northside.",
            kind: .group, homepage: "https://northside.example/", email: "hello@northside.example"),
    ]

    struct File {
        var name: String
        var title: String
        var content: String
    }

    static let boroughs = ["Northside", "Old Town", "Riverside", "Eastgate", "Hillcrest", "Southbank", "Westfield"]
    static let streets = [
        "High Street", "Station Road", "Mill Lane", "Church Street", "Park Avenue", "Queen's Road", "Canal Walk",
        "Market Square", "Orchard Close", "Bridge Street",
    ]
    static let centre = (lat: 51.4545, lon: -2.5879)

    static func coordinate(_ r: inout SeededRandom) -> (String, String) {
        (String(format: "%.5f", centre.lat + r.double(-0.04...0.04)), String(format: "%.5f", centre.lon + r.double(-0.06...0.06)))
    }

    static func csv(_ header: [String], _ rows: [[String]]) -> String {
        func field(_ s: String) -> String {
            s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    static func datasets() -> [(DatasetInput, [File])] {
        var r = SeededRandom(state: 2026)
        let council = ContactPoint(name: "Open Data Team", email: "opendata@riverton.example")

        let housing = csv(
            ["date", "street", "postcode", "borough", "property_type", "bedrooms", "price"],
            (0..<240).map { i in
                let month = 1 + i % 12
                return [
                    String(format: "2025-%02d-%02d", month, 1 + r.int(0...27)), "\(r.int(1...180)) \(r.pick(streets))",
                    "RV\(r.int(1...9)) \(r.int(1...9))\(r.pick(["AB", "DE", "FG", "HJ"]))", r.pick(boroughs),
                    r.pick(["flat", "terraced", "semi-detached", "detached"]), String(r.int(1...5)),
                    String(r.int(120...900) * 1000),
                ]
            })
        let stations = ["Central", "Harbourside", "Northside Park", "Eastgate", "Hillcrest", "University", "Old Town"]
        let air = csv(
            ["station", "measured_at", "no2_ugm3", "pm25_ugm3", "pm10_ugm3", "latitude", "longitude"],
            (0..<168).map { i in
                let s = i % 4
                let (lat, lon) = (
                    String(format: "%.5f", centre.lat + Double(s) * 0.01), String(format: "%.5f", centre.lon - Double(s) * 0.012)
                )
                return [
                    ["Central", "Harbourside", "Northside Park", "Eastgate"][s],
                    String(format: "2025-11-%02dT%02d:00:00Z", 1 + i / 24, i % 24),
                    String(r.int(8...62)), String(format: "%.1f", r.double(2...28)), String(format: "%.1f", r.double(5...40)), lat, lon,
                ]
            })
        let busStops = csv(
            ["stop_id", "name", "latitude", "longitude", "routes", "shelter"],
            (0..<60).map { i in
                let (lat, lon) = coordinate(&r)
                return [
                    "RV\(1000 + i)", "\(r.pick(streets)) (\(r.pick(boroughs)))", lat, lon, "\(r.int(1...40));\(r.int(41...90))",
                    r.pick(["yes", "no"]),
                ]
            })
        let railStations = csv(
            ["code", "name", "latitude", "longitude", "step_free", "platforms"],
            stations.enumerated().map { i, name in
                let (lat, lon) = coordinate(&r)
                return ["RV\(["C", "H", "N", "E", "L", "U", "O"][i])", name, lat, lon, r.pick(["true", "false"]), String(r.int(2...6))]
            })
        let punctuality = csv(
            ["month", "line", "trains_run", "on_time_percent", "cancelled"],
            (1...12).flatMap { m in
                ["Harbour Line", "Valley Line"].map { line in
                    [
                        String(format: "2025-%02d", m), line, String(r.int(2800...3200)), String(format: "%.1f", r.double(84...97)),
                        String(r.int(5...60)),
                    ]
                }
            })
        let stores = csv(
            ["store_id", "name", "address", "borough", "latitude", "longitude", "opens", "closes", "sunday_hours"],
            (0..<18).map { i in
                let (lat, lon) = coordinate(&r)
                let borough = r.pick(boroughs)
                return [
                    "FM\(100 + i)", "FreshMart \(borough)\(i > 6 ? " Local" : "")", "\(r.int(1...120)) \(r.pick(streets))", borough, lat,
                    lon, r.pick(["07:00", "08:00"]), r.pick(["21:00", "22:00", "23:00"]), "10:00-16:00",
                ]
            })
        let occupancy = csv(
            ["store_id", "recorded_at", "spaces", "occupied"],
            (0..<96).map { i in
                ["FM\(100 + i % 6)", String(format: "2025-11-20T%02d:%02d:00Z", 7 + i / 8, (i % 8) * 7), "120", String(r.int(10...120))]
            })
        let events = csv(
            ["title", "date", "start", "end", "venue", "latitude", "longitude", "price", "ages"],
            (0..<24).map { i in
                let (lat, lon) = coordinate(&r)
                return [
                    r.pick([
                        "Storytime at the library", "Park clean-up", "Family bike ride", "Toddler music", "Community breakfast",
                        "Board games afternoon",
                    ]),
                    String(format: "2026-%02d-%02d", 1 + i / 4, 1 + r.int(0...27)), "10:00", "12:00",
                    r.pick(["Northside Library", "Hillcrest Park", "St Mary's Hall", "The Old Fire Station"]), lat, lon,
                    r.pick(["free", "£2", "£5"]), r.pick(["0-5", "5-11", "all ages"]),
                ]
            })
        let trees = csv(
            ["tree_id", "species", "street", "latitude", "longitude", "height_m", "planted"],
            (0..<120).map { i in
                let (lat, lon) = coordinate(&r)
                return [
                    "NT\(i + 1)", r.pick(["London plane", "Silver birch", "Rowan", "Cherry", "Lime", "Field maple"]), r.pick(streets), lat,
                    lon, String(r.int(3...24)), String(r.int(1950...2024)),
                ]
            })
        let spending = csv(
            ["date", "department", "supplier", "amount_gbp", "purpose"],
            (0..<150).map { _ in
                [
                    String(format: "2025-%02d-%02d", r.int(1...12), r.int(1...28)),
                    r.pick(["Highways", "Housing", "Parks", "Libraries", "Waste"]),
                    r.pick(["Riverton Paving Ltd", "GreenCare", "City Print & Co", "Northside Builders"]), String(r.int(500...90000)),
                    r.pick(["Repairs", "Services", "Equipment", "Consultancy"]),
                ]
            })

        let bbox = [-2.6679, 51.4045, -2.5079, 51.5045]
        let city = SpatialCoverage(name: "Riverton", bbox: bbox)
        return [
            (
                DatasetInput(
                    slug: "housing-sales-2025", publisher: "riverton-council", title: "Housing sales 2025",
                    description:
                        "Every recorded residential property sale in Riverton in 2025: date, street, postcode, borough, property type, bedrooms and price paid.",
                    licence: "OGL-UK-3.0", tags: ["housing", "property", "prices"], themes: ["ECON", "SOCI"], spatial: city,
                    temporal: .init(start: "2025-01-01", end: "2025-12-31"), updateFrequency: "monthly", contactPoint: council,
                    landingPage: "https://www.riverton.example/housing", provenance: "Land registry extracts, cleaned by the council."),
                [File(name: "housing-sales-2025.csv", title: "Sales 2025 (CSV)", content: housing)]
            ),
            (
                DatasetInput(
                    slug: "air-quality-readings", publisher: "riverton-council", title: "Air quality readings",
                    description:
                        "Hourly nitrogen dioxide and particulate (PM2.5, PM10) readings from the council's four monitoring stations.",
                    licence: "CC-BY-4.0", tags: ["air quality", "pollution", "sensors", "health"], themes: ["ENVI", "HEAL"], spatial: city,
                    temporal: .init(start: "2025-11-01", end: "2025-11-07"), updateFrequency: "hourly", contactPoint: council),
                [File(name: "air-quality-2025-11.csv", title: "Readings, first week of November 2025", content: air)]
            ),
            (
                DatasetInput(
                    slug: "bus-stops", publisher: "riverton-council", title: "Bus stops",
                    description: "Location, name, routes served and shelter of every bus stop in the city.",
                    licence: "OGL-UK-3.0", tags: ["bus", "public transport", "stops"], themes: ["TRAN"], spatial: city,
                    updateFrequency: "weekly", contactPoint: council),
                [File(name: "bus-stops.csv", title: "Bus stops (CSV)", content: busStops)]
            ),
            (
                DatasetInput(
                    slug: "council-spending", publisher: "riverton-council", title: "Council spending over £500",
                    description: "Payments to suppliers over £500, by department, as published for transparency.",
                    licence: "OGL-UK-3.0", tags: ["spending", "transparency", "finance"], themes: ["GOVE", "ECON"], spatial: city,
                    temporal: .init(start: "2025-01-01", end: "2025-12-31"), updateFrequency: "monthly", contactPoint: council),
                [File(name: "spending-2025.csv", title: "Spending 2025 (CSV)", content: spending)]
            ),
            (
                DatasetInput(
                    slug: "recycling-centres", publisher: "riverton-council", title: "Recycling centres",
                    description: "Where to recycle: centres, opening times and what each accepts. Published on the council's website.",
                    licence: "OGL-UK-3.0", tags: ["recycling", "waste"], themes: ["ENVI"], spatial: city, updateFrequency: "irregular",
                    contactPoint: council,
                    distributions: [
                        .init(title: "Recycling centres (web page)", url: "https://www.riverton.example/recycling", mediaType: "text/html")
                    ]),
                []
            ),
            (
                DatasetInput(
                    slug: "rail-stations", publisher: "riverton-rail", title: "Rail stations",
                    description: "Riverton Rail's stations with codes, locations, platforms and step-free access.",
                    licence: "CC-BY-4.0", tags: ["rail", "stations", "accessibility", "public transport"], themes: ["TRAN"], spatial: city,
                    updateFrequency: "annual", contactPoint: .init(name: "Riverton Rail Data", email: "data@rail.riverton.example")),
                [File(name: "stations.csv", title: "Stations (CSV)", content: railStations)]
            ),
            (
                DatasetInput(
                    slug: "rail-punctuality", publisher: "riverton-rail", title: "Train punctuality by month",
                    description: "Trains run, share on time (within five minutes) and cancellations per line and month.",
                    licence: "CC-BY-4.0", tags: ["rail", "punctuality", "performance"], themes: ["TRAN"],
                    temporal: .init(start: "2025-01-01", end: "2025-12-31"), updateFrequency: "monthly"),
                [File(name: "punctuality-2025.csv", title: "Punctuality 2025 (CSV)", content: punctuality)]
            ),
            (
                DatasetInput(
                    slug: "supermarket-locations", publisher: "freshmart", title: "Supermarket locations and opening hours",
                    description:
                        "Every FreshMart store in Riverton with address, coordinates and opening hours: find the nearest supermarket.",
                    licence: "ODbL-1.0", tags: ["supermarkets", "shops", "opening hours", "food"], themes: ["ECON", "AGRI"], spatial: city,
                    updateFrequency: "weekly", contactPoint: .init(name: "FreshMart Open Data", email: "open@freshmart.example")),
                [File(name: "stores.csv", title: "Stores (CSV)", content: stores)]
            ),
            (
                DatasetInput(
                    slug: "car-park-occupancy", publisher: "freshmart", title: "Store car park occupancy",
                    description: "Occupied spaces in FreshMart car parks through the day. Published for non-commercial use only.",
                    licence: "CC-BY-NC-4.0", tags: ["parking", "car parks"], themes: ["TRAN"], spatial: city, updateFrequency: "continuous"),
                [File(name: "occupancy-2025-11-20.csv", title: "Occupancy on 20 November 2025 (CSV)", content: occupancy)]
            ),
            (
                DatasetInput(
                    slug: "family-events", publisher: "northside-neighbours", title: "Family events in Northside",
                    description: "Free and low-cost events for families in Northside: story times, park clean-ups, bike rides and more.",
                    licence: "CC0-1.0", tags: ["events", "families", "community"], themes: ["EDUC", "SOCI"],
                    spatial: .init(name: "Northside"), temporal: .init(start: "2026-01-01", end: "2026-06-30"), updateFrequency: "weekly",
                    contactPoint: .init(name: "Northside Neighbours", email: "hello@northside.example")),
                [File(name: "events-2026-h1.csv", title: "Events, January to June 2026 (CSV)", content: events)]
            ),
            (
                DatasetInput(
                    slug: "street-trees", publisher: "northside-neighbours", title: "Street trees of Northside",
                    description: "A volunteer survey of street trees: species, height and year planted.",
                    licence: "CC-BY-SA-4.0", tags: ["trees", "environment", "volunteers"], themes: ["ENVI"],
                    spatial: .init(name: "Northside"), updateFrequency: "irregular",
                    provenance: "Surveyed on foot by members in 2025."),
                [File(name: "street-trees.csv", title: "Trees (CSV)", content: trees)]
            ),
            (
                DatasetInput(
                    slug: "community-noticeboard", publisher: "northside-neighbours", title: "Community noticeboard archive",
                    description: "Notices pinned to the Northside noticeboard. No licence has been chosen yet, so this is not open data.",
                    tags: ["community", "notices"], themes: ["SOCI"], spatial: .init(name: "Northside"), updateFrequency: "irregular"),
                [
                    File(
                        name: "notices.csv", title: "Notices (CSV)",
                        content: csv(
                            ["date", "notice"],
                            [["2025-10-02", "Lost cat, answers to \"Biscuit\""], ["2025-10-09", "Choir practice moves to Thursdays"]]))
                ]
            ),
        ]
    }
}
