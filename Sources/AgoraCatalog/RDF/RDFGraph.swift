import Foundation

/// One node or value in an RDF graph.
public enum RDFTerm: Hashable, Sendable {
    case iri(String)
    case blank(String)
    case literal(String, datatype: String? = nil, language: String? = nil)

    public static func text(_ value: String, language: String? = nil) -> RDFTerm { .literal(value, language: language) }
    public static func typed(_ value: String, _ datatype: String) -> RDFTerm { .literal(value, datatype: datatype) }

    public var iriValue: String? {
        if case .iri(let value) = self { return value }
        return nil
    }
    public var literalValue: String? {
        if case .literal(let value, _, _) = self { return value }
        return nil
    }
}

public struct RDFTriple: Hashable, Sendable {
    public var subject: RDFTerm
    public var predicate: String
    public var object: RDFTerm
    public init(_ subject: RDFTerm, _ predicate: String, _ object: RDFTerm) {
        self.subject = subject
        self.predicate = predicate
        self.object = object
    }
}

/// The namespaces DCAT-AP documents use, with the prefixes ckanext-dcat and the EU shapes use.
public enum RDFNamespace {
    public static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    public static let rdfs = "http://www.w3.org/2000/01/rdf-schema#"
    public static let xsd = "http://www.w3.org/2001/XMLSchema#"
    public static let dcat = "http://www.w3.org/ns/dcat#"
    public static let dct = "http://purl.org/dc/terms/"
    public static let foaf = "http://xmlns.com/foaf/0.1/"
    public static let vcard = "http://www.w3.org/2006/vcard/ns#"
    public static let skos = "http://www.w3.org/2004/02/skos/core#"
    public static let spdx = "http://spdx.org/rdf/terms#"
    public static let adms = "http://www.w3.org/ns/adms#"
    public static let locn = "http://www.w3.org/ns/locn#"
    public static let gsp = "http://www.opengis.net/ont/geosparql#"
    public static let hydra = "http://www.w3.org/ns/hydra/core#"
    public static let dcatap = "http://data.europa.eu/r5r/"

    public static let standard: [(prefix: String, namespace: String)] = [
        ("rdf", rdf), ("rdfs", rdfs), ("xsd", xsd), ("dcat", dcat), ("dct", dct), ("foaf", foaf), ("vcard", vcard),
        ("skos", skos), ("spdx", spdx), ("adms", adms), ("locn", locn), ("gsp", gsp), ("hydra", hydra), ("dcatap", dcatap),
    ]

    /// The full IRI of a prefixed name such as `dct:title`.
    public static func expand(_ name: String) -> String {
        guard let colon = name.firstIndex(of: ":") else { return name }
        let prefix = name[..<colon]
        guard let namespace = standard.first(where: { $0.prefix == prefix })?.namespace else { return name }
        return namespace + name[name.index(after: colon)...]
    }
}

/// A set of triples kept in the order they were added, so serializations are stable and readable.
public struct RDFGraph: Sendable {
    public private(set) var triples: [RDFTriple] = []
    private var seen: Set<RDFTriple> = []
    private var nextBlank = 0

    public init() {}

    /// Adds a triple; `predicate` is a prefixed name (`dct:title`) or a full IRI.
    public mutating func add(_ subject: RDFTerm, _ predicate: String, _ object: RDFTerm) {
        let triple = RDFTriple(subject, RDFNamespace.expand(predicate), object)
        if seen.insert(triple).inserted { triples.append(triple) }
    }

    public mutating func add(_ subject: RDFTerm, _ predicate: String, _ object: RDFTerm?) {
        if let object { add(subject, predicate, object) }
    }

    /// Links `subject` to `object` and states the object's types: how DCAT-AP names a licence, a
    /// media type or an agent that a shape checks by class.
    public mutating func link(_ subject: RDFTerm, _ predicate: String, _ object: RDFTerm, a classes: String...) {
        add(subject, predicate, object)
        for name in classes { add(object, "rdf:type", .iri(RDFNamespace.expand(name))) }
    }

    /// States a type, given as a prefixed name.
    public mutating func type(_ subject: RDFTerm, _ classes: String...) {
        for name in classes { add(subject, "rdf:type", .iri(RDFNamespace.expand(name))) }
    }

    public mutating func blankNode() -> RDFTerm {
        nextBlank += 1
        return .blank("b\(nextBlank)")
    }

    public mutating func merge(_ other: RDFGraph) {
        for triple in other.triples where seen.insert(triple).inserted { triples.append(triple) }
    }

    /// Subjects in first-seen order with their triples.
    public var subjects: [(subject: RDFTerm, triples: [RDFTriple])] {
        var order: [RDFTerm] = []
        var bySubject: [RDFTerm: [RDFTriple]] = [:]
        for triple in triples {
            if bySubject[triple.subject] == nil { order.append(triple.subject) }
            bySubject[triple.subject, default: []].append(triple)
        }
        return order.map { ($0, bySubject[$0]!) }
    }

    public func objects(_ subject: RDFTerm, _ predicate: String) -> [RDFTerm] {
        let iri = RDFNamespace.expand(predicate)
        return triples.filter { $0.subject == subject && $0.predicate == iri }.map(\.object)
    }

    public func subjects(ofType type: String) -> [RDFTerm] {
        let typeIRI = RDFTerm.iri(RDFNamespace.expand(type))
        let rdfType = RDFNamespace.rdf + "type"
        var result: [RDFTerm] = []
        for triple in triples where triple.predicate == rdfType && triple.object == typeIRI && !result.contains(triple.subject) {
            result.append(triple.subject)
        }
        return result
    }
}

/// The three serializations DCAT-AP catalogues are exchanged in.
public enum RDFFormat: String, Sendable, CaseIterable {
    case turtle = "ttl"
    case jsonld
    case rdfxml = "rdf"

    public var mediaType: String {
        switch self {
        case .turtle: "text/turtle"
        case .jsonld: "application/ld+json"
        case .rdfxml: "application/rdf+xml"
        }
    }

    /// The format an `Accept` header asks for, if it names one of ours.
    public static func negotiate(accept: String?) -> RDFFormat? {
        guard let accept else { return nil }
        var best: (RDFFormat, Double)?
        for part in accept.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let type = pieces.first else { continue }
            let quality = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            let format: RDFFormat? =
                switch type {
                case "text/turtle", "application/x-turtle": .turtle
                case "application/ld+json": .jsonld
                case "application/rdf+xml": .rdfxml
                default: nil
                }
            if let format, quality > 0, quality > (best?.1 ?? 0) { best = (format, quality) }
        }
        return best?.0
    }

    public func serialize(_ graph: RDFGraph) -> String {
        switch self {
        case .turtle: TurtleWriter.write(graph)
        case .jsonld: JSONLDWriter.write(graph)
        case .rdfxml: RDFXMLWriter.write(graph)
        }
    }
}
