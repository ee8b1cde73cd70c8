import AgoraHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Loads the pages in a real headless Chromium: the content must be there, no request the browser
/// makes may fail, and a screenshot of each page is kept as a test artefact.
@Suite("Pages in Chromium")
struct BrowserTests {
    static let chromium: String? = {
        let candidates = [ProcessInfo.processInfo.environment["AGORA_CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser"]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static var artefacts: URL {
        let dir = URL(fileURLWithPath: ProcessInfo.processInfo.environment["AGORA_TEST_ARTIFACTS"] ?? ".build/test-artifacts")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium!)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("agora-chromium-\(UUID().uuidString)")
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=\(profile.path)", "--virtual-time-budget=5000",
            ] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: profile)
        return String(decoding: data, as: UTF8.self)
    }

    @Test("home, search, dataset, publisher and table pages load in Chromium without failed requests")
    func chromiumLoadsPages() async throws {
        guard Self.chromium != nil else {
            print("BrowserTests: skipping: Chromium is not installed (Debian package 'chromium', or set AGORA_CHROMIUM)")
            return
        }
        let hub = try await HubFixture()
        try await hub.app.test(.live) { client in
            let port = try #require(client.port)
            let stops = try #require(
                try await hub.services.tables.tables(datasetID: try await hub.services.catalog.dataset(slug: "bus-stops").id).first)
            let stopColumn = try #require(stops.current?.columns.first { $0.type == .text }?.name)
            let pages: [(path: String, expect: [String])] = [
                ("/table/\(stops.id)", ["Bus stops (CSV)", "Rows", "Columns", "Map", "Versions"]),
                ("/table/\(stops.id)?_group=\(stopColumn)&_agg=count", ["Chart: count by \(stopColumn)"]),
                ("/", ["Open data for the city", "Recently updated", "Riverton City Council"]),
                ("/search?q=air+quality", ["Air quality readings", "Datasets matching"]),
                ("/dataset/housing-sales-2025", ["Housing sales 2025", "Open Government Licence v3.0", "Sales 2025 (CSV)", "History"]),
                ("/publisher/freshmart", ["FreshMart Supermarkets", "Supermarket locations and opening hours"]),
            ]
            for page in pages {
                let url = "http://127.0.0.1:\(port)\(page.path)"
                let dom = try Self.run(["--dump-dom", url])
                for text in page.expect {
                    #expect(dom.contains(text), "\(page.path) should show '\(text)'")
                }
                let name =
                    page.path == "/" ? "home" : page.path.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: "-")
                let shot = Self.artefacts.appendingPathComponent("page-\(name).png")
                _ = try Self.run(["--screenshot=\(shot.path)", "--window-size=1280,1400", "--hide-scrollbars", url])
                let size = (try? FileManager.default.attributesOfItem(atPath: shot.path)[.size] as? Int) ?? 0
                #expect(size > 10_000, "a screenshot of \(page.path) was saved at \(shot.path)")
            }
            // Every request the browser made (pages, the style sheet, anything else) reached a route and succeeded.
            let metrics = hub.services.metrics.render()
            let failed = metrics.split(separator: "\n").filter {
                $0.hasPrefix("agora_http_requests_total") && ($0.contains("status=\"4") || $0.contains("status=\"5"))
            }
            #expect(failed.isEmpty, "failed requests: \(failed)")
            #expect(metrics.contains("route=\"/assets/agora.css\",status=\"200\""))
            print("BrowserTests: screenshots saved in \(Self.artefacts.path)")
        }
    }
}
