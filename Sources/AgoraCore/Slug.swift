import Foundation

/// Human-readable identifiers for datasets and publishers: lowercase ASCII letters, digits and
/// single hyphens, 2 to 100 characters. They appear in URL paths, so nothing else is allowed.
public enum Slug {
    public static let maxLength = 100

    public static func validate(_ value: String, field: String = "slug") throws(Problem) {
        if let message = problem(with: value) {
            throw Problem.validation([.init(field: field, message: message)])
        }
    }

    public static func problem(with value: String) -> String? {
        if value.count < 2 || value.count > maxLength {
            return "must be 2 to \(maxLength) characters long"
        }
        let allowed = value.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                || c == UInt8(ascii: "-")
        }
        if !allowed { return "may contain only lowercase letters a-z, digits and hyphens" }
        if value.hasPrefix("-") || value.hasSuffix("-") || value.contains("--") {
            return "must not start or end with a hyphen or contain two in a row"
        }
        return nil
    }

    /// Makes a slug out of free text ("Air quality – Camden 2024" → "air-quality-camden-2024").
    public static func make(from text: String) -> String {
        var out = ""
        var lastWasHyphen = true
        for scalar in text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased().unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar)) {
                out.unicodeScalars.append(scalar)
                lastWasHyphen = false
            } else if scalar.isASCII || scalar.properties.isWhitespace || scalar.properties.generalCategory == .dashPunctuation {
                if !lastWasHyphen {
                    out.append("-")
                    lastWasHyphen = true
                }
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        if out.count > maxLength { out = String(out.prefix(maxLength)) }
        while out.hasSuffix("-") { out.removeLast() }
        return out
    }
}
