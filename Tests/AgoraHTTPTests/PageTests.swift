import AgoraCore
import AgoraHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Pages")
struct PageTests {
    @Test("home, search, dataset and publisher pages render with their JSON twins")
    func pages() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let home = try await client.send(.get, "/")
            #expect(home.status == .ok)
            #expect(home.headers[.contentType] == "text/html; charset=utf-8")
            #expect(home.body.contains("12 datasets from 4 publishers"))
            #expect(home.body.contains("<form action=\"/search\""))
            #expect(home.body.contains("Riverton City Council"))
            #expect(try await client.send(.get, "/index.json").json["site"] as? String == "Agora")
            #expect(try await client.send(.get, "/", headers: [.accept: "application/json"]).json["publishers"] != nil)

            let search = try await client.send(.get, "/search?q=supermarket")
            #expect(search.body.contains("href=\"/dataset/supermarket-locations\""))
            #expect(search.body.contains("FreshMart Supermarkets"))
            #expect(try await client.send(.get, "/search.json?q=supermarket").json["count"] as? Int == 2)
            let filtered = try await client.send(.get, "/search?theme=TRAN&open=true")
            #expect(filtered.body.contains("filtered by"))
            #expect(try await client.send(.get, "/search?bogus=1").status == .badRequest)

            let dataset = try await client.send(.get, "/dataset/car-park-occupancy")
            #expect(dataset.body.contains("Not open"))
            #expect(dataset.body.contains("does not meet the Open Definition"))
            #expect(dataset.body.contains("/distributions/"))
            #expect(dataset.body.contains("<h2 id=\"history\">History</h2>"))
            let twin = try await client.send(.get, "/dataset/car-park-occupancy.json")
            #expect((twin.json["dataset"] as? [String: Any])?["slug"] as? String == "car-park-occupancy")
            #expect((twin.json["licence"] as? [String: Any])?["open"] as? Bool == false)
            #expect(
                try await client.send(.get, "/dataset/car-park-occupancy", headers: [.accept: "application/json"]).json["history"] != nil)
            #expect(try await client.send(.get, "/dataset/no-such-thing").status == .notFound)

            let publisher = try await client.send(.get, "/publisher/riverton-rail")
            #expect(publisher.body.contains("2 datasets"))
            #expect(publisher.body.contains("Train punctuality by month"))
            #expect(try await client.send(.get, "/publisher/riverton-rail.json").json["publisher"] != nil)
            #expect(try await client.send(.get, "/publishers").body.contains("Northside Neighbours"))
            #expect((try await client.send(.get, "/publishers.json").json["count"] as? Int) == 4)
        }
    }

    @Test("titles with markup are escaped on every page")
    func escaping() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let hostile =
                #"{"slug":"xss-test","publisher":"riverton-council","title":"<script>alert('x')</script> & co","description":"<img src=x onerror=alert(1)>","tags":["<b>bold</b>"]}"#
            #expect(try await client.send(.post, "/api/v1/datasets", token: hub.editorToken, json: hostile).status == .created)
            for path in ["/dataset/xss-test", "/search?q=alert", "/", "/publisher/riverton-council", "/search?tag=%3Cb%3Ebold%3C%2Fb%3E"] {
                let page = try await client.send(.get, path)
                #expect(page.status == .ok, "\(path)")
                #expect(!page.body.contains("<script>alert"), "\(path)")
                #expect(!page.body.contains("<img src=x"), "\(path)")
                #expect(!page.body.contains("<b>bold"), "\(path)")
            }
            #expect(
                try await client.send(.get, "/dataset/xss-test").body.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"))
        }
    }
}
