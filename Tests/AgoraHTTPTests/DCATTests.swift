import AgoraCatalog
import AgoraCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("DCAT-AP 3")
struct DCATTests {
    /// The graph of a JSON-LD answer as (subject, predicate, object) strings, read back by hand.
    static func triples(jsonld: String) throws -> [(String, String, String)] {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(jsonld.utf8)) as? [String: Any])
        let context = try #require(document["@context"] as? [String: String])
        func expand(_ name: String) -> String {
            guard let colon = name.firstIndex(of: ":"), let namespace = context[String(name[..<colon])] else { return name }
            return namespace + name[name.index(after: colon)...]
        }
        var result: [(String, String, String)] = []
        for node in try #require(document["@graph"] as? [[String: Any]]) {
            let subject = try #require(node["@id"] as? String)
            for type in node["@type"] as? [String] ?? [] { result.append((subject, RDFNamespace.rdf + "type", expand(type))) }
            for (key, values) in node where !key.hasPrefix("@") {
                for value in values as? [[String: Any]] ?? [] {
                    result.append((subject, expand(key), (value["@id"] ?? value["@value"]) as? String ?? ""))
                }
            }
        }
        return result
    }

    @Test("the demo catalogue: every class a shape checks is stated, licences and media types typed, dates typed")
    func catalogue() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let reply = try await client.send(.get, "/catalog.jsonld")
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType]?.hasPrefix("application/ld+json") == true)
            let triples = try Self.triples(jsonld: reply.body)
            func objects(_ subject: String, _ predicate: String) -> [String] {
                triples.filter { $0.0 == subject && $0.1 == RDFNamespace.expand(predicate) }.map(\.2)
            }
            func typed(_ object: String, _ type: String) -> Bool { objects(object, "rdf:type").contains(RDFNamespace.expand(type)) }
            let catalog = try #require(triples.first { $0.1 == RDFNamespace.rdf + "type" && $0.2 == RDFNamespace.dcat + "Catalog" }?.0)
            #expect(!objects(catalog, "dct:title").isEmpty && !objects(catalog, "dct:description").isEmpty)
            let datasets = objects(catalog, "dcat:dataset")
            #expect(datasets.count == 12)
            let busStops = try #require(datasets.first { $0.hasSuffix("/dataset/bus-stops") })
            #expect(typed(busStops, "dcat:Dataset"))
            #expect(objects(busStops, "dct:title") == ["Bus stops"])
            #expect(objects(busStops, "dcat:keyword").contains("bus"))
            for theme in objects(busStops, "dcat:theme") {
                #expect(typed(theme, "skos:Concept") && !objects(theme, "skos:prefLabel").isEmpty)
            }
            for agent in objects(busStops, "dct:publisher") { #expect(typed(agent, "foaf:Agent") && !objects(agent, "foaf:name").isEmpty) }
            let distribution = try #require(objects(busStops, "dcat:distribution").first)
            #expect(typed(distribution, "dcat:Distribution"))
            #expect(!objects(distribution, "dcat:accessURL").isEmpty && !objects(distribution, "dcat:downloadURL").isEmpty)
            for licence in objects(distribution, "dct:license") { #expect(typed(licence, "dct:LicenseDocument")) }
            #expect(objects(distribution, "dct:license").count == 1)
            let mediaType = try #require(objects(distribution, "dcat:mediaType").first)
            #expect(mediaType == "http://www.iana.org/assignments/media-types/text/csv" && typed(mediaType, "dct:MediaType"))
            let checksum = try #require(objects(distribution, "spdx:checksum").first)
            #expect(objects(checksum, "spdx:checksumValue").first?.count == 64)
            #expect(Int(objects(distribution, "dcat:byteSize").first ?? "") ?? 0 > 0)
            #expect(reply.body.contains(#""@type":"http://www.w3.org/2001/XMLSchema#dateTime""#))
        }
    }

    @Test("Turtle and RDF/XML carry the same catalogue; Accept picks the format; datasets alone by suffix")
    func formats() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let turtle = try await client.send(.get, "/catalog.ttl")
            #expect(turtle.headers[.contentType]?.hasPrefix("text/turtle") == true)
            #expect(turtle.body.contains("a dcat:Catalog"))
            #expect(turtle.body.contains("/dataset/bus-stops> a dcat:Dataset"))
            let xml = try await client.send(.get, "/catalog.rdf")
            #expect(xml.headers[.contentType]?.hasPrefix("application/rdf+xml") == true)
            #expect(xml.body.contains(#"<rdf:type rdf:resource="http://www.w3.org/ns/dcat#Catalog"/>"#))
            let negotiated = try await client.send(.get, "/catalog", headers: [.accept: "text/html;q=0.9, application/rdf+xml"])
            #expect(negotiated.headers[.contentType]?.hasPrefix("application/rdf+xml") == true)
            let dataset = try await client.send(.get, "/dataset/bus-stops.ttl")
            #expect(dataset.body.contains("a dcat:Dataset") && !dataset.body.contains("dcat:Catalog"))
            let byAccept = try await client.send(.get, "/dataset/bus-stops", headers: [.accept: "application/ld+json"])
            #expect(byAccept.headers[.contentType]?.hasPrefix("application/ld+json") == true)
            let page = try await client.send(.get, "/dataset/bus-stops")
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            let missing = try await client.send(.get, "/dataset/no-such-thing.ttl")
            #expect(missing.status == .notFound)
        }
    }

    @Test("hydra paging walks the whole catalogue; modified_since filters; a page past the end is a 404")
    func paging() async throws {
        let hub = try await HubFixture()
        try await hub.app.test(.router) { client in
            let raw: HTTPFields = [.authorization: hub.adminToken]
            for i in 0..<95 {
                let made = try await client.send(
                    .post, "/api/action/package_create",
                    json: #"{"name": "generated-\#(i)", "title": "Generated \#(i)", "owner_org": "riverton-council"}"#, headers: raw)
                #expect(made.status == .ok)
            }
            var next: String? = "/catalog.jsonld"
            var seen: Set<String> = []
            var pages = 0
            while let path = next {
                pages += 1
                let triples = try Self.triples(jsonld: try await client.send(.get, path).body)
                for t in triples where t.1 == RDFNamespace.rdf + "type" && t.2 == RDFNamespace.dcat + "Dataset" {
                    #expect(seen.insert(t.0).inserted)
                }
                #expect(triples.contains { $0.1 == RDFNamespace.hydra + "totalItems" && $0.2 == "107" })
                next = triples.first { $0.1 == RDFNamespace.hydra + "next" }.flatMap { URLComponents(string: $0.2) }.map {
                    $0.path + "?" + ($0.query ?? "")
                }
            }
            #expect(pages == 2 && seen.count == 107)
            let past = try await client.send(.get, "/catalog.ttl?page=3")
            #expect(past.status == .notFound)
            #expect(past.json["detail"] as? String == "Page 3 is past the end of the catalogue: it has 2 page(s) of 100 datasets.")
            let future = try await client.send(.get, "/catalog.jsonld?modified_since=2999-01-01")
            #expect(try Self.triples(jsonld: future.body).allSatisfy { $0.2 != RDFNamespace.dcat + "Dataset" })
            let bad = try await client.send(.get, "/catalog.ttl?modified_since=soon")
            #expect(bad.status == .badRequest && problemFields(bad) == ["modified_since"])
            let unknown = try await client.send(.get, "/catalog.ttl?rows=5")
            #expect(unknown.status == .badRequest)
        }
    }

    @Test("literals and IRIs are escaped in every syntax")
    func escaping() throws {
        var graph = RDFGraph()
        let subject = RDFTerm.iri("https://hub.example/dataset/a b")
        graph.add(subject, "dct:title", .text("Quotes \" back\\slash\nnew line <tag> & amp", language: "en"))
        let turtle = RDFFormat.turtle.serialize(graph)
        #expect(turtle.contains(#"<https://hub.example/dataset/a\u0020b>"#))
        #expect(turtle.contains(#""Quotes \" back\\slash\nnew line <tag> & amp"@en"#))
        let xml = RDFFormat.rdfxml.serialize(graph)
        #expect(xml.contains("Quotes &quot; back\\slash\nnew line &lt;tag&gt; &amp; amp</dct:title>"))
        let jsonld = RDFFormat.jsonld.serialize(graph)
        let triples = try Self.triples(jsonld: jsonld)
        #expect(triples.first?.2 == "Quotes \" back\\slash\nnew line <tag> & amp")
        #expect(RDFFormat.negotiate(accept: "application/ld+json;q=0.5, text/turtle") == .turtle)
        #expect(RDFFormat.negotiate(accept: "text/html") == nil)
    }
}
