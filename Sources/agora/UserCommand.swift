import AgoraPeople
import AgoraStore
import ArgumentParser

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage accounts.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account and print its name.")

        @Argument(help: "Account name: lowercase letters, digits and hyphens.")
        var name: String

        @Option(help: "Name shown to people.")
        var displayName: String?

        @Option(help: "Email address.")
        var email: String?

        @Flag(help: "Make the account a site admin.")
        var siteAdmin = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (backend, _) = try await store.openStore()
            do {
                let accounts = AccountService(store: backend)
                let admin = try await accounts.ensureSiteAdmin()
                let actor = Identity(account: admin, memberships: [])
                let account = try await accounts.createAccount(
                    .init(name: name, displayName: displayName, email: email, siteAdmin: siteAdmin), by: actor)
                print(account.name)
                try await backend.close()
            } catch {
                try? await backend.close()
                throw fail(error)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (backend, _) = try await store.openStore()
            for account in try await backend.accounts() {
                print("\(account.name)\t\(account.isSiteAdmin ? "site admin" : "member")\t\(account.displayName)")
            }
            try await backend.close()
        }
    }
}
