import Foundation

/// Small checks shared by every service that takes input from people.
public enum Validation {
    public static func isEmail(_ text: String) -> Bool {
        guard text.count <= 254, !text.contains(where: { $0.isWhitespace }) else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".")
    }

    /// An absolute http or https URL with a host.
    public static func isWebURL(_ text: String) -> Bool {
        guard text.count <= 2000, let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else { return false }
        return true
    }

    /// True when the text holds a control character (other than tab and newlines, which `allowNewlines` permits).
    public static func hasControlCharacters(_ text: String, allowNewlines: Bool = false) -> Bool {
        text.unicodeScalars.contains { scalar in
            if allowNewlines, scalar == "\n" || scalar == "\r" || scalar == "\t" { return false }
            return scalar.properties.generalCategory == .control
        }
    }
}
