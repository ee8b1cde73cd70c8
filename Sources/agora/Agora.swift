import ArgumentParser

/// The `agora` command: a thin layer that parses flags and calls the library modules.
@main
struct Agora: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora",
        abstract: "Agora: an open, people-first city data hub.",
        discussion: """
            Publish open data that anyone can access, use and share. With no options Agora keeps everything \
            in ./agora-data (SQLite); --database postgres://… shares one PostgreSQL database between servers.
            """,
        subcommands: [Serve.self, ImportCommand.self, HarvestCommand.self, TokenCommand.self, UserCommand.self])
}
