import AgoraCore
import AgoraStore
import Foundation

/// The catalogue as DCAT-AP 3, after ckanext-dcat's mapping. Every node a shape checks by class states
/// its `rdf:type` (agents, licences, media types, themes, frequencies, locations), so the graph conforms
/// without outside vocabularies.
public struct DCATMapping: Sendable {
    public var site: String
    public var siteName: String
    public var licences: LicenceTable

    public init(site: String, siteName: String, licences: LicenceTable = .standard) {
        self.site = site
        self.siteName = siteName
        self.licences = licences
    }

    public static let themeScheme = "http://publications.europa.eu/resource/authority/data-theme"
    static let frequencyBase = "http://publications.europa.eu/resource/authority/frequency/"
    static let fileTypeBase = "http://publications.europa.eu/resource/authority/file-type/"
    static let mediaTypeBase = "http://www.iana.org/assignments/media-types/"

    public var catalogIRI: String { "\(site)/catalog" }
    public func datasetIRI(_ dataset: Dataset) -> String { "\(site)/dataset/\(dataset.slug)" }
    public func distributionIRI(_ dataset: Dataset, _ distribution: Distribution) -> String {
        "\(site)/api/v1/datasets/\(dataset.slug)/distributions/\(distribution.id)"
    }
    func publisherIRI(_ slug: String) -> String { "\(site)/publisher/\(slug)" }

    /// A page of the catalogue, with its hydra paging when the catalogue spans several pages.
    public struct Page: Sendable {
        public var number: Int
        public var size: Int
        public var total: Int
        /// The page's address without `page`, e.g. `https://hub/catalog.ttl?modified_since=…`.
        public var base: String
        public init(number: Int, size: Int, total: Int, base: String) {
            self.number = number
            self.size = size
            self.total = total
            self.base = base
        }
        public var last: Int { max(1, (total + size - 1) / size) }
        func url(_ page: Int) -> String { base + (base.contains("?") ? "&" : "?") + "page=\(page)" }
    }

    /// A page of the catalogue. `issued` and `modified` are the whole catalogue's, so every page says
    /// the same of it and pages merge into one graph.
    public func catalog(
        _ datasets: [Dataset], publishers: [String: Publisher], page: Page?, issued: Date?, modified: Date?
    ) -> RDFGraph {
        var graph = RDFGraph()
        let catalog = RDFTerm.iri(catalogIRI)
        graph.type(catalog, "dcat:Catalog")
        graph.add(catalog, "dct:title", .text(siteName, language: "en"))
        graph.add(
            catalog, "dct:description",
            .text("Open data published on \(siteName): datasets anyone can access, use and share.", language: "en"))
        let hub = RDFTerm.iri("\(site)/#hub")
        graph.link(catalog, "dct:publisher", hub, a: "foaf:Agent")
        graph.add(hub, "foaf:name", .text(siteName))
        let homepage = RDFTerm.iri("\(site)/")
        graph.link(catalog, "foaf:homepage", homepage, a: "foaf:Document")
        let scheme = RDFTerm.iri(Self.themeScheme)
        graph.link(catalog, "dcat:themeTaxonomy", scheme, a: "skos:ConceptScheme")
        graph.add(scheme, "dct:title", .text("Data theme", language: "en"))
        let english = RDFTerm.iri("http://publications.europa.eu/resource/authority/language/ENG")
        graph.link(catalog, "dct:language", english, a: "dct:LinguisticSystem")
        graph.add(catalog, "dct:issued", issued.map(dateTime))
        graph.add(catalog, "dct:modified", modified.map(dateTime))
        for dataset in datasets {
            graph.add(catalog, "dcat:dataset", .iri(datasetIRI(dataset)))
            add(dataset, publisher: publishers[dataset.publisher], to: &graph)
        }
        if let page {
            // Both hydra's current terms and the PagedCollection ones older DCAT harvesters follow.
            let view = RDFTerm.iri(page.url(page.number))
            graph.type(view, "hydra:PartialCollectionView", "hydra:PagedCollection")
            graph.add(view, "hydra:totalItems", .typed(String(page.total), RDFNamespace.xsd + "integer"))
            graph.add(view, "hydra:itemsPerPage", .typed(String(page.size), RDFNamespace.xsd + "integer"))
            graph.add(view, "hydra:first", .iri(page.url(1)))
            graph.add(view, "hydra:firstPage", .text(page.url(1)))
            graph.add(view, "hydra:last", .iri(page.url(page.last)))
            graph.add(view, "hydra:lastPage", .text(page.url(page.last)))
            if page.number > 1 {
                graph.add(view, "hydra:previous", .iri(page.url(page.number - 1)))
                graph.add(view, "hydra:previousPage", .text(page.url(page.number - 1)))
            }
            if page.number < page.last {
                graph.add(view, "hydra:next", .iri(page.url(page.number + 1)))
                graph.add(view, "hydra:nextPage", .text(page.url(page.number + 1)))
            }
        }
        return graph
    }

    /// One dataset on its own, with the catalogue it belongs to named.
    public func dataset(_ dataset: Dataset, publisher: Publisher?) -> RDFGraph {
        var graph = RDFGraph()
        add(dataset, publisher: publisher, to: &graph)
        return graph
    }

    func add(_ dataset: Dataset, publisher: Publisher?, to graph: inout RDFGraph) {
        let node = RDFTerm.iri(datasetIRI(dataset))
        graph.type(node, "dcat:Dataset")
        graph.add(node, "dct:identifier", .text(dataset.id))
        graph.add(node, "dct:title", .text(dataset.title, language: "en"))
        // DCAT-AP requires a description; a dataset without one is described by its title.
        let description = dataset.description.trimmingCharacters(in: .whitespacesAndNewlines)
        graph.add(node, "dct:description", .text(description.isEmpty ? dataset.title : description, language: "en"))
        for tag in dataset.tags { graph.add(node, "dcat:keyword", .text(tag, language: "en")) }
        for code in dataset.themes {
            let theme = RDFTerm.iri("\(Self.themeScheme)/\(code)")
            graph.link(node, "dcat:theme", theme, a: "skos:Concept")
            graph.add(theme, "skos:prefLabel", .text(Vocabularies.themeLabel(code) ?? code, language: "en"))
            graph.add(theme, "skos:inScheme", .iri(Self.themeScheme))
        }
        let agent = RDFTerm.iri(publisherIRI(dataset.publisher))
        graph.link(node, "dct:publisher", agent, a: "foaf:Agent")
        graph.add(agent, "foaf:name", .text(publisher?.title ?? dataset.publisher))
        if let email = publisher?.email, !email.isEmpty { graph.add(agent, "foaf:mbox", .iri("mailto:\(email)")) }
        if let homepage = publisher?.homepage, let url = absoluteURL(homepage) {
            graph.link(agent, "foaf:homepage", .iri(url), a: "foaf:Document")
        }
        if let contact = dataset.contactPoint, contact.name != nil || contact.email != nil {
            let card = graph.blankNode()
            graph.link(node, "dcat:contactPoint", card, a: "vcard:Organization", "vcard:Kind")
            graph.add(card, "vcard:fn", .text(contact.name ?? publisher?.title ?? dataset.publisher))
            if let email = contact.email, !email.isEmpty { graph.add(card, "vcard:hasEmail", .iri("mailto:\(email)")) }
        }
        graph.add(node, "dct:issued", dateTime(dataset.created))
        graph.add(node, "dct:modified", dateTime(dataset.modified))
        let landing = RDFTerm.iri(dataset.landingPage.flatMap(absoluteURL) ?? datasetIRI(dataset))
        graph.link(node, "dcat:landingPage", landing, a: "foaf:Document")
        if let code = dataset.updateFrequency.flatMap(Self.frequencyCode) {
            let frequency = RDFTerm.iri(Self.frequencyBase + code)
            graph.link(node, "dct:accrualPeriodicity", frequency, a: "dct:Frequency")
        }
        if let spatial = dataset.spatial, spatial.name != nil || spatial.bbox?.count == 4 {
            let location = graph.blankNode()
            graph.link(node, "dct:spatial", location, a: "dct:Location")
            if let name = spatial.name { graph.add(location, "skos:prefLabel", .text(name, language: "en")) }
            if let box = spatial.bbox, box.count == 4 {
                let (w, s, e, n) = (box[0], box[1], box[2], box[3])
                graph.add(
                    location, "dcat:bbox",
                    .typed("POLYGON((\(w) \(s), \(e) \(s), \(e) \(n), \(w) \(n), \(w) \(s)))", RDFNamespace.gsp + "wktLiteral"))
                graph.add(location, "dcat:centroid", .typed("POINT(\((w + e) / 2) \((s + n) / 2))", RDFNamespace.gsp + "wktLiteral"))
            }
        }
        if let temporal = dataset.temporal, temporal.start != nil || temporal.end != nil {
            let period = graph.blankNode()
            graph.link(node, "dct:temporal", period, a: "dct:PeriodOfTime")
            graph.add(period, "dcat:startDate", temporal.start.flatMap(dateLiteral))
            graph.add(period, "dcat:endDate", temporal.end.flatMap(dateLiteral))
        }
        if let provenance = dataset.provenance, !provenance.isEmpty {
            let statement = graph.blankNode()
            graph.link(node, "dct:provenance", statement, a: "dct:ProvenanceStatement")
            graph.add(statement, "rdfs:label", .text(provenance, language: "en"))
        }
        let licence = dataset.licence.flatMap { licences.licence($0) }
        for distribution in dataset.distributions {
            let item = RDFTerm.iri(distributionIRI(dataset, distribution))
            graph.link(node, "dcat:distribution", item, a: "dcat:Distribution")
            graph.add(item, "dct:identifier", .text(distribution.id))
            graph.add(item, "dct:title", .text(distribution.title, language: "en"))
            if !distribution.description.isEmpty { graph.add(item, "dct:description", .text(distribution.description, language: "en")) }
            let url = absoluteURL(distribution.url) ?? "\(site)/dataset/\(dataset.slug)"
            graph.add(item, "dcat:accessURL", .iri(url))
            if distribution.uploaded || (distribution.format != nil && distribution.format != "HTML") {
                graph.add(item, "dcat:downloadURL", .iri(url))
            }
            if let mediaType = distribution.mediaType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased(),
                mediaType.contains("/")
            {
                let type = RDFTerm.iri(Self.mediaTypeBase + mediaType)
                graph.link(item, "dcat:mediaType", type, a: "dct:MediaType")
            }
            if let format = distribution.format.flatMap(Self.fileTypeCode) {
                let type = RDFTerm.iri(Self.fileTypeBase + format)
                graph.link(item, "dct:format", type, a: "dct:MediaTypeOrExtent")
            }
            if let size = distribution.byteSize, size >= 0 {
                graph.add(item, "dcat:byteSize", .typed(String(size), RDFNamespace.xsd + "nonNegativeInteger"))
            }
            if let checksum = distribution.checksum, checksum.count == 64, checksum.allSatisfy(\.isHexDigit) {
                let sum = graph.blankNode()
                graph.link(item, "spdx:checksum", sum, a: "spdx:Checksum")
                graph.add(sum, "spdx:algorithm", .iri(RDFNamespace.spdx + "checksumAlgorithm_sha256"))
                graph.add(sum, "spdx:checksumValue", .typed(checksum.lowercased(), RDFNamespace.xsd + "hexBinary"))
            }
            if let licence {
                let document = RDFTerm.iri(licence.url)
                graph.link(item, "dct:license", document, a: "dct:LicenseDocument")
                graph.add(document, "dct:title", .text(licence.title, language: "en"))
                graph.add(document, "dct:identifier", .text(licence.id))
            }
            graph.add(item, "dct:issued", dateTime(distribution.created))
            graph.add(item, "dct:modified", dateTime(distribution.modified))
        }
    }

    func absoluteURL(_ value: String) -> String? {
        if value.hasPrefix("/") { return site + value }
        guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), ["http", "https", "ftp", "mailto"].contains(scheme)
        else { return nil }
        return value
    }

    func dateTime(_ date: Date) -> RDFTerm { .typed(Timestamp.string(date), RDFNamespace.xsd + "dateTime") }

    func dateLiteral(_ value: String) -> RDFTerm? {
        if value.count == 10, Self.isDate(value) { return .typed(value, RDFNamespace.xsd + "date") }
        if let date = Timestamp.parse(value) { return dateTime(date) }
        return nil
    }

    static func isDate(_ value: String) -> Bool {
        let parts = value.split(separator: "-")
        return parts.count == 3 && parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2
            && parts.allSatisfy { $0.allSatisfy(\.isNumber) }
    }

    /// EU Frequency authority codes for the catalogue's update frequencies.
    static func frequencyCode(_ value: String) -> String? {
        switch value.lowercased() {
        case "continuous": "CONT"
        case "hourly": "HOURLY"
        case "daily": "DAILY"
        case "weekly": "WEEKLY"
        case "fortnightly": "BIWEEKLY"
        case "monthly": "MONTHLY"
        case "quarterly": "QUARTERLY"
        case "biannual": "ANNUAL_2"
        case "annual": "ANNUAL"
        case "irregular": "IRREG"
        case "never": "NEVER"
        case "unknown": "UNKNOWN"
        default: nil
        }
    }

    /// The frequency name for an EU Frequency IRI, for harvested catalogues.
    static func frequencyName(_ iri: String) -> String? {
        guard iri.hasPrefix(frequencyBase) else { return nil }
        let code = String(iri.dropFirst(frequencyBase.count))
        return Vocabularies.frequencies.first { frequencyCode($0) == code }
    }

    /// EU File Type authority codes for the short format names.
    static func fileTypeCode(_ format: String) -> String? {
        let code = format.uppercased().replacingOccurrences(of: "-", with: "_")
        switch code {
        case "GEOJSON": return "GEOJSON"
        case "TURTLE": return "RDF_TURTLE"
        case "RDF": return "RDF_XML"
        case "ICALENDAR": return "ICS"
        default: return code.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) && !code.isEmpty ? code : nil
        }
    }
}

/// A DCAT dataset read back from another catalogue's graph, as this hub's input: what harvesting a
/// DCAT source copies.
extension DCATMapping {
    public struct HarvestedDataset: Sendable {
        public var iri: String
        public var input: DatasetInput
        public var modified: Date?
    }

    public static func datasets(in graph: RDFGraph, licences: LicenceTable = .standard) -> [HarvestedDataset] {
        var result: [HarvestedDataset] = []
        for node in graph.subjects(ofType: "dcat:Dataset") {
            guard case .iri(let iri) = node else { continue }
            func text(_ subject: RDFTerm, _ predicate: String) -> String? {
                let values = graph.objects(subject, predicate).compactMap(\.literalValue)
                return values.first
            }
            var input = DatasetInput()
            let name = iri.split(separator: "/").last.map(String.init) ?? ""
            input.slug = Slug.make(from: name.removingPercentEncoding ?? name)
            input.title = text(node, "dct:title")
            input.description = text(node, "dct:description")
            input.tags = graph.objects(node, "dcat:keyword").compactMap(\.literalValue)
            input.themes = graph.objects(node, "dcat:theme").compactMap(\.iriValue).compactMap { theme in
                theme.hasPrefix(themeScheme + "/") ? String(theme.dropFirst(themeScheme.count + 1)) : nil
            }
            input.landingPage = graph.objects(node, "dcat:landingPage").compactMap(\.iriValue).first { $0 != iri }
            input.updateFrequency = graph.objects(node, "dct:accrualPeriodicity").compactMap(\.iriValue).compactMap(frequencyName).first
            if let card = graph.objects(node, "dcat:contactPoint").first {
                let email = graph.objects(card, "vcard:hasEmail").compactMap { $0.iriValue ?? $0.literalValue }.first
                input.contactPoint = ContactPoint(
                    name: text(card, "vcard:fn"), email: email.map { $0.hasPrefix("mailto:") ? String($0.dropFirst(7)) : $0 })
            }
            if let period = graph.objects(node, "dct:temporal").first {
                input.temporal = TemporalCoverage(start: text(period, "dcat:startDate"), end: text(period, "dcat:endDate"))
            }
            if let place = graph.objects(node, "dct:spatial").first, let label = text(place, "skos:prefLabel") {
                input.spatial = SpatialCoverage(name: label)
            }
            if let statement = graph.objects(node, "dct:provenance").first { input.provenance = text(statement, "rdfs:label") }
            var distributions: [DistributionInput] = []
            var licence: String?
            for item in graph.objects(node, "dcat:distribution") {
                let url =
                    graph.objects(item, "dcat:downloadURL").compactMap(\.iriValue).first
                    ?? graph.objects(item, "dcat:accessURL").compactMap(\.iriValue).first
                guard let url else { continue }
                let mediaType = graph.objects(item, "dcat:mediaType").compactMap(\.iriValue).first.map {
                    $0.hasPrefix(mediaTypeBase) ? String($0.dropFirst(mediaTypeBase.count)) : $0
                }
                let checksum = graph.objects(item, "spdx:checksum").first.flatMap { text($0, "spdx:checksumValue") }
                distributions.append(
                    DistributionInput(
                        title: text(item, "dct:title"), description: text(item, "dct:description"), url: url, mediaType: mediaType,
                        format: nil, byteSize: text(item, "dcat:byteSize").flatMap { Int($0) },
                        checksum: checksum.flatMap { $0.count == 64 ? $0.lowercased() : nil }))
                if licence == nil, let document = graph.objects(item, "dct:license").first {
                    let id = text(document, "dct:identifier") ?? document.iriValue ?? ""
                    licence = licences.licence(id)?.id ?? licences.all.first { $0.url == document.iriValue }?.id
                }
            }
            input.distributions = distributions
            input.licence = licence
            let modified = text(node, "dct:modified").flatMap { Timestamp.parse($0) }
            result.append(HarvestedDataset(iri: iri, input: input, modified: modified))
        }
        return result
    }

    /// The next page a hydra-paged catalogue names, in current or older hydra terms.
    public static func nextPage(in graph: RDFGraph) -> String? {
        for predicate in ["hydra:next", "hydra:nextPage"] {
            for triple in graph.triples where triple.predicate == RDFNamespace.expand(predicate) {
                if let next = triple.object.iriValue ?? triple.object.literalValue { return next }
            }
        }
        return nil
    }
}
