/// Search text as plain lowercase words: punctuation and query syntax are dropped, so every backend
/// (FTS5, tsvector) sees the same AND-of-words query.
public enum SearchWords {
    public static func of(_ text: String, limit: Int) -> [String] {
        var words: [String] = []
        var current = ""
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber {
                current.append(ch)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return Array(words.prefix(limit))
    }
}
