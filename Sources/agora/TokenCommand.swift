import AgoraPeople
import ArgumentParser

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create API tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token and print it as the only line on stdout.",
            discussion: "The token is shown once; only its hash is stored. Use it as 'Authorization: Bearer TOKEN'.")

        @Flag(help: "A token for the site admin (the admin account is created if there is none).")
        var admin = false

        @Option(help: "A token for this account instead.")
        var user: String?

        @Option(help: "A label to remember the token by.")
        var label: String = "cli"

        @OptionGroup var store: StoreOptions

        func validate() throws {
            if admin == (user != nil) { throw ValidationError("Give exactly one of --admin or --user NAME.") }
        }

        func run() async throws {
            let (backend, _) = try await store.openStore()
            do {
                let accounts = AccountService(store: backend)
                let account = admin ? try await accounts.ensureSiteAdmin() : try await accounts.account(name: user!)
                let (secret, _) = try await accounts.createToken(for: account, label: label)
                print(secret)
                try await backend.close()
            } catch {
                try? await backend.close()
                throw fail(error)
            }
        }
    }
}
