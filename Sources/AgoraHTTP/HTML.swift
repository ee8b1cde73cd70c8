import AgoraCore
import Foundation

/// Escapes text for HTML element content and attribute values.
func esc(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for ch in text.unicodeScalars {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(ch)
        }
    }
    return out
}

/// Percent-encodes a query-string value.
func urlQuery(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}

/// The page frame every page shares: header with search, main content, footer.
func page(title: String, siteName: String, query: String = "", body: String) -> String {
    """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(esc(title)) · \(esc(siteName))</title>
    <link rel="stylesheet" href="/assets/agora.css">
    <link rel="icon" href="data:,">
    </head>
    <body>
    <header class="site">
    <a class="brand" href="/">\(esc(siteName))</a>
    <nav aria-label="Main"><a href="/search">Datasets</a> <a href="/publishers">Publishers</a> <a href="/api/v1/openapi.json">API</a></nav>
    <form class="search" action="/search" method="get" role="search">
    <label for="site-q" class="visually-hidden">Search datasets</label>
    <input id="site-q" type="search" name="q" value="\(esc(query))" placeholder="Search open data">
    <button type="submit">Search</button>
    </form>
    </header>
    <main id="main">
    \(body)
    </main>
    <footer class="site"><p>Open data anyone can access, use and share. Every page has a JSON twin; the API is described at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></footer>
    </body>
    </html>
    """
}

func formatDate(_ date: Date) -> String { String(Timestamp.string(date).prefix(10)) }

func formatBytes(_ bytes: Int) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
}

let agoraCSS = """
    :root { --ink: #1b1f24; --muted: #5b6470; --line: #d8dde3; --accent: #0b5cad; --open: #1d7a38; --closed: #a33b1b; --bg: #fbfcfd; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
    a { color: var(--accent); }
    header.site { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .75rem 1.5rem; border-bottom: 1px solid var(--line); background: #fff; }
    .brand { font-weight: 700; font-size: 1.25rem; text-decoration: none; color: var(--ink); }
    header nav a { margin-right: .75rem; }
    form.search { margin-left: auto; display: flex; gap: .5rem; }
    form.search input { padding: .4rem .6rem; min-width: 16rem; border: 1px solid var(--line); border-radius: 4px; font: inherit; }
    button { padding: .4rem .9rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; font: inherit; cursor: pointer; }
    main { max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
    .layout { display: grid; grid-template-columns: 16rem 1fr; gap: 2rem; }
    @media (max-width: 48rem) { .layout { grid-template-columns: 1fr; } form.search input { min-width: 0; } }
    aside.facets h3 { font-size: .95rem; margin: 1rem 0 .25rem; }
    aside.facets ul { list-style: none; padding: 0; margin: 0; }
    aside.facets li { display: flex; justify-content: space-between; font-size: .9rem; }
    .count { color: var(--muted); }
    ol.results { list-style: none; padding: 0; }
    ol.results li { padding: .75rem 0; border-bottom: 1px solid var(--line); }
    ol.results h2 { font-size: 1.1rem; margin: 0; }
    .meta { color: var(--muted); font-size: .9rem; }
    .badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .8rem; border: 1px solid var(--line); margin-right: .25rem; }
    .badge.open { color: var(--open); border-color: var(--open); }
    .badge.closed { color: var(--closed); border-color: var(--closed); }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    dl.facts { display: grid; grid-template-columns: 12rem 1fr; gap: .25rem 1rem; }
    dl.facts dt { color: var(--muted); }
    .pager { display: flex; gap: 1rem; margin-top: 1rem; }
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
    .description { white-space: pre-wrap; }
    .intro input { padding: .4rem .6rem; min-width: 20rem; border: 1px solid var(--line); border-radius: 4px; font: inherit; }
    footer.site { max-width: 72rem; margin: 2rem auto; padding: 1rem 1.5rem; border-top: 1px solid var(--line); color: var(--muted); font-size: .9rem; }
    """
