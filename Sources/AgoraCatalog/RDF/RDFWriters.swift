import Foundation

/// Shortens IRIs to prefixed names where the local part is safe in every syntax we write.
struct PrefixedNames {
    static func compact(_ iri: String) -> String? {
        for (prefix, namespace) in RDFNamespace.standard where iri.hasPrefix(namespace) {
            let local = iri.dropFirst(namespace.count)
            if let first = local.first, first.isLetter || first == "_",
                local.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            {
                return "\(prefix):\(local)"
            }
        }
        return nil
    }
}

/// Turtle (RDF 1.1), subjects grouped with `;` and `,`.
enum TurtleWriter {
    static func write(_ graph: RDFGraph) -> String {
        var out = ""
        for (prefix, namespace) in RDFNamespace.standard { out += "@prefix \(prefix): <\(namespace)> .\n" }
        let rdfType = RDFNamespace.rdf + "type"
        for (subject, triples) in graph.subjects {
            out += "\n" + term(subject)
            var predicates: [String] = []
            var objects: [String: [RDFTerm]] = [:]
            for triple in triples {
                if objects[triple.predicate] == nil { predicates.append(triple.predicate) }
                objects[triple.predicate, default: []].append(triple.object)
            }
            for (index, predicate) in predicates.enumerated() {
                let name = predicate == rdfType ? "a" : iri(predicate)
                out += (index == 0 ? " " : " ;\n    ") + name + " " + objects[predicate]!.map(term).joined(separator: ", ")
            }
            out += " .\n"
        }
        return out
    }

    static func iri(_ value: String) -> String {
        if let name = PrefixedNames.compact(value) { return name }
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "<", ">", "\"", "{", "}", "|", "^", "`", "\\", " ", "\u{00}"..."\u{20}":
                escaped += String(format: "\\u%04X", scalar.value)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "<\(escaped)>"
    }

    static func term(_ term: RDFTerm) -> String {
        switch term {
        case .iri(let value): return iri(value)
        case .blank(let id): return "_:\(id)"
        case .literal(let value, let datatype, let language):
            var out = "\"" + escape(value) + "\""
            if let language { out += "@\(language)" } else if let datatype { out += "^^" + iri(datatype) }
            return out
        }
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{00}"..."\u{1F}", "\u{7F}": out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// JSON-LD 1.1 in flattened form: a `@graph` of node objects, keys as prefixed names from the context.
enum JSONLDWriter {
    static func write(_ graph: RDFGraph) -> String {
        let rdfType = RDFNamespace.rdf + "type"
        var context: [String: Any] = [:]
        for (prefix, namespace) in RDFNamespace.standard { context[prefix] = namespace }
        var nodes: [[String: Any]] = []
        for (subject, triples) in graph.subjects {
            var node: [String: Any] = ["@id": id(subject)]
            var types: [String] = []
            var properties: [String: [Any]] = [:]
            for triple in triples {
                if triple.predicate == rdfType, case .iri(let type) = triple.object {
                    types.append(PrefixedNames.compact(type) ?? type)
                    continue
                }
                properties[PrefixedNames.compact(triple.predicate) ?? triple.predicate, default: []].append(value(triple.object))
            }
            if !types.isEmpty { node["@type"] = types }
            for (key, values) in properties { node[key] = values }
            nodes.append(node)
        }
        let document: [String: Any] = ["@context": context, "@graph": nodes]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func id(_ term: RDFTerm) -> String {
        switch term {
        case .iri(let value): value
        case .blank(let id): "_:\(id)"
        case .literal(let value, _, _): value
        }
    }

    static func value(_ term: RDFTerm) -> Any {
        switch term {
        case .iri, .blank: return ["@id": id(term)]
        case .literal(let value, let datatype, let language):
            var object: [String: Any] = ["@value": value]
            if let language { object["@language"] = language } else if let datatype { object["@type"] = datatype }
            return object
        }
    }
}

/// RDF/XML with one `rdf:Description` per subject, as ckanext-dcat's consumers read it.
enum RDFXMLWriter {
    static func write(_ graph: RDFGraph) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rdf:RDF"
        for (prefix, namespace) in RDFNamespace.standard { out += "\n  xmlns:\(prefix)=\"\(escape(namespace))\"" }
        out += ">\n"
        for (subject, triples) in graph.subjects {
            switch subject {
            case .blank(let id): out += "  <rdf:Description rdf:nodeID=\"\(escape(id))\">\n"
            default: out += "  <rdf:Description rdf:about=\"\(escape(JSONLDWriter.id(subject)))\">\n"
            }
            for triple in triples {
                // Every predicate we write lives in a declared namespace; one that does not is skipped
                // rather than written as invalid XML.
                guard let name = PrefixedNames.compact(triple.predicate) else { continue }
                switch triple.object {
                case .iri(let value): out += "    <\(name) rdf:resource=\"\(escape(value))\"/>\n"
                case .blank(let id): out += "    <\(name) rdf:nodeID=\"\(escape(id))\"/>\n"
                case .literal(let value, let datatype, let language):
                    var attributes = ""
                    if let language {
                        attributes = " xml:lang=\"\(escape(language))\""
                    } else if let datatype {
                        attributes = " rdf:datatype=\"\(escape(datatype))\""
                    }
                    out += "    <\(name)\(attributes)>\(escape(value))</\(name)>\n"
                }
            }
            out += "  </rdf:Description>\n"
        }
        return out + "</rdf:RDF>\n"
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\r": out += "&#13;"
            // XML 1.0 cannot carry other control characters at all.
            case "\u{00}"..."\u{08}", "\u{0B}", "\u{0C}", "\u{0E}"..."\u{1F}", "\u{FFFE}", "\u{FFFF}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
