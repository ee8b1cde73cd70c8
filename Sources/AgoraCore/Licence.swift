/// A licence a dataset can carry. `isOpen` says whether it conforms to the Open Definition:
/// anyone may access, use and share the data (attribution and share-alike are allowed,
/// non-commercial and no-derivatives clauses are not).
public struct Licence: Sendable, Equatable, Codable {
    public var id: String
    public var title: String
    public var url: String
    public var isOpen: Bool
    /// Older identifiers the same licence goes by (CKAN's legacy ids), so harvested metadata maps cleanly.
    public var aliases: [String]

    enum CodingKeys: String, CodingKey {
        case id, title, url
        case isOpen = "open"
        case aliases
    }
}

/// The embedded licence table: SPDX identifiers where SPDX has one, CKAN's ids otherwise.
public struct LicenceTable: Sendable {
    public let all: [Licence]
    private let byKey: [String: Licence]

    public init(_ licences: [Licence]) {
        all = licences
        var index: [String: Licence] = [:]
        for licence in licences {
            index[licence.id.lowercased()] = licence
            for alias in licence.aliases { index[alias.lowercased()] = licence }
        }
        byKey = index
    }

    /// Finds a licence by id or alias, ignoring case.
    public func licence(_ id: String) -> Licence? { byKey[id.lowercased()] }

    public static let standard = LicenceTable([
        .init(
            id: "CC0-1.0", title: "Creative Commons CC0 1.0 Universal", url: "https://creativecommons.org/publicdomain/zero/1.0/",
            isOpen: true, aliases: ["cc-zero", "cc0"]),
        .init(
            id: "PDDL-1.0", title: "Open Data Commons Public Domain Dedication and License 1.0",
            url: "https://opendatacommons.org/licenses/pddl/1-0/", isOpen: true, aliases: ["odc-pddl"]),
        .init(
            id: "CC-BY-4.0", title: "Creative Commons Attribution 4.0", url: "https://creativecommons.org/licenses/by/4.0/", isOpen: true,
            aliases: ["cc-by"]),
        .init(
            id: "CC-BY-3.0", title: "Creative Commons Attribution 3.0", url: "https://creativecommons.org/licenses/by/3.0/", isOpen: true,
            aliases: []),
        .init(
            id: "CC-BY-SA-4.0", title: "Creative Commons Attribution Share-Alike 4.0",
            url: "https://creativecommons.org/licenses/by-sa/4.0/", isOpen: true, aliases: ["cc-by-sa"]),
        .init(
            id: "CC-BY-SA-3.0", title: "Creative Commons Attribution Share-Alike 3.0",
            url: "https://creativecommons.org/licenses/by-sa/3.0/", isOpen: true, aliases: []),
        .init(
            id: "ODC-By-1.0", title: "Open Data Commons Attribution License 1.0", url: "https://opendatacommons.org/licenses/by/1-0/",
            isOpen: true, aliases: ["odc-by"]),
        .init(
            id: "ODbL-1.0", title: "Open Data Commons Open Database License 1.0", url: "https://opendatacommons.org/licenses/odbl/1-0/",
            isOpen: true, aliases: ["odc-odbl"]),
        .init(
            id: "OGL-UK-3.0", title: "Open Government Licence v3.0",
            url: "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/", isOpen: true, aliases: ["uk-ogl", "ogl-uk"]),
        .init(
            id: "OGL-UK-2.0", title: "Open Government Licence v2.0",
            url: "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/2/", isOpen: true, aliases: []),
        .init(
            id: "OGL-UK-1.0", title: "Open Government Licence v1.0",
            url: "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/1/", isOpen: true, aliases: []),
        .init(
            id: "OGL-Canada-2.0", title: "Open Government Licence – Canada 2.0",
            url: "https://open.canada.ca/en/open-government-licence-canada", isOpen: true, aliases: []),
        .init(
            id: "DL-DE-BY-2.0", title: "Data licence Germany – attribution – version 2.0", url: "https://www.govdata.de/dl-de/by-2-0",
            isOpen: true, aliases: []),
        .init(
            id: "DL-DE-ZERO-2.0", title: "Data licence Germany – Zero – version 2.0", url: "https://www.govdata.de/dl-de/zero-2-0",
            isOpen: true, aliases: []),
        .init(
            id: "etalab-2.0", title: "Etalab Open License 2.0", url: "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            isOpen: true, aliases: []),
        .init(
            id: "NLOD-2.0", title: "Norwegian Licence for Open Government Data 2.0", url: "https://data.norge.no/nlod/en/2.0", isOpen: true,
            aliases: []),
        .init(
            id: "CDLA-Permissive-2.0", title: "Community Data License Agreement – Permissive 2.0", url: "https://cdla.dev/permissive-2-0/",
            isOpen: true, aliases: []),
        .init(
            id: "CDLA-Sharing-1.0", title: "Community Data License Agreement – Sharing 1.0", url: "https://cdla.dev/sharing-1-0/",
            isOpen: true, aliases: []),
        .init(
            id: "GFDL-1.3-or-later", title: "GNU Free Documentation License 1.3 or later", url: "https://www.gnu.org/licenses/fdl-1.3.html",
            isOpen: true, aliases: ["gfdl"]),
        .init(id: "other-open", title: "Other (Open)", url: "https://opendefinition.org/licenses/", isOpen: true, aliases: []),
        .init(id: "other-pd", title: "Other (Public Domain)", url: "https://opendefinition.org/licenses/", isOpen: true, aliases: []),
        .init(id: "other-at", title: "Other (Attribution)", url: "https://opendefinition.org/licenses/", isOpen: true, aliases: []),
        .init(
            id: "CC-BY-NC-4.0", title: "Creative Commons Attribution Non-Commercial 4.0",
            url: "https://creativecommons.org/licenses/by-nc/4.0/", isOpen: false, aliases: ["cc-nc"]),
        .init(
            id: "CC-BY-ND-4.0", title: "Creative Commons Attribution No-Derivatives 4.0",
            url: "https://creativecommons.org/licenses/by-nd/4.0/", isOpen: false, aliases: []),
        .init(
            id: "CC-BY-NC-SA-4.0", title: "Creative Commons Attribution Non-Commercial Share-Alike 4.0",
            url: "https://creativecommons.org/licenses/by-nc-sa/4.0/", isOpen: false, aliases: []),
        .init(
            id: "CC-BY-NC-ND-4.0", title: "Creative Commons Attribution Non-Commercial No-Derivatives 4.0",
            url: "https://creativecommons.org/licenses/by-nc-nd/4.0/", isOpen: false, aliases: []),
        .init(id: "other-nc", title: "Other (Non-Commercial)", url: "https://opendefinition.org/licenses/", isOpen: false, aliases: []),
        .init(id: "other-closed", title: "Other (Not Open)", url: "https://opendefinition.org/licenses/", isOpen: false, aliases: []),
        .init(id: "notspecified", title: "License not specified", url: "https://opendefinition.org/licenses/", isOpen: false, aliases: []),
    ])
}
