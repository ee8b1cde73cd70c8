import Foundation

/// Reads JSON-LD into triples: the flattened form this hub writes, and the expanded or compacted
/// forms other DCAT publishers (rdflib, ckanext-dcat) write: `@graph` or a node list, prefixes and
/// plain term definitions from `@context`, embedded nodes, `@value` with `@type` or `@language`.
/// Remote contexts are not fetched: a term that cannot be expanded is left as it is.
public enum JSONLDReader {
    public static func read(_ data: Data) throws -> RDFGraph {
        let document = try JSONSerialization.jsonObject(with: data)
        var graph = RDFGraph()
        var reader = Reader()
        if let object = document as? [String: Any] {
            reader.context(object["@context"])
            if let nodes = object["@graph"] as? [Any] {
                for node in nodes { _ = reader.node(node, into: &graph) }
            } else {
                _ = reader.node(object, into: &graph)
            }
        } else if let nodes = document as? [Any] {
            for node in nodes {
                if let object = node as? [String: Any] { reader.context(object["@context"]) }
                _ = reader.node(node, into: &graph)
            }
        } else {
            throw CocoaError(.coderReadCorrupt)
        }
        return graph
    }

    struct Reader {
        var terms: [String: String] = [:]
        var blanks = 0

        mutating func context(_ value: Any?) {
            if let list = value as? [Any] {
                for item in list { context(item) }
                return
            }
            guard let object = value as? [String: Any] else { return }
            for (key, definition) in object {
                if let iri = definition as? String {
                    terms[key] = iri
                } else if let iri = (definition as? [String: Any])?["@id"] as? String {
                    terms[key] = iri
                }
            }
        }

        func expand(_ name: String) -> String {
            if let iri = terms[name] { return expand(iri) == iri ? iri : expand(iri) }
            if let colon = name.firstIndex(of: ":") {
                let prefix = String(name[..<colon])
                if prefix == "_" || name[name.index(after: colon)...].hasPrefix("//") { return name }
                if let namespace = terms[prefix] { return namespace + name[name.index(after: colon)...] }
                return RDFNamespace.expand(name)
            }
            return name
        }

        func term(forID id: String) -> RDFTerm {
            id.hasPrefix("_:") ? .blank(String(id.dropFirst(2))) : .iri(expand(id))
        }

        /// Adds a node's triples; returns its term (a fresh blank node when it has no `@id`).
        mutating func node(_ value: Any, into graph: inout RDFGraph) -> RDFTerm? {
            guard let object = value as? [String: Any] else { return nil }
            let subject: RDFTerm
            if let id = object["@id"] as? String {
                subject = term(forID: id)
            } else {
                blanks += 1
                subject = .blank("jsonld\(blanks)")
            }
            let types: [String] = (object["@type"] as? [String]) ?? ((object["@type"] as? String).map { [$0] } ?? [])
            for type in types { graph.add(subject, "rdf:type", .iri(expand(type))) }
            for (key, values) in object where !key.hasPrefix("@") {
                let predicate = expand(key)
                for item in (values as? [Any]) ?? [values] {
                    if let object = self.object(item, into: &graph) { graph.add(subject, predicate, object) }
                }
            }
            return subject
        }

        mutating func object(_ value: Any, into graph: inout RDFGraph) -> RDFTerm? {
            switch value {
            case let text as String: return .literal(text)
            case let number as NSNumber:
                if String(cString: number.objCType) == "c" {
                    return .typed(number.boolValue ? "true" : "false", RDFNamespace.xsd + "boolean")
                }
                return .typed(number.stringValue, RDFNamespace.xsd + (number.stringValue.contains(".") ? "double" : "integer"))
            case let object as [String: Any]:
                if let literal = object["@value"] {
                    let text = (literal as? String) ?? "\(literal)"
                    return .literal(
                        text, datatype: (object["@type"] as? String).map(expand), language: object["@language"] as? String)
                }
                if object.count == 1, let id = object["@id"] as? String { return term(forID: id) }
                return node(object, into: &graph)
            default: return nil
            }
        }
    }
}
