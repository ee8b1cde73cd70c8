import AgoraStore

/// Who is making a request, with the roles they hold. Anonymous readers have no identity.
public struct Identity: Sendable, Equatable {
    public var account: Account
    public var memberships: [Membership]

    public init(account: Account, memberships: [Membership]) {
        self.account = account
        self.memberships = memberships
    }

    public func role(in publisherID: String) -> MemberRole? {
        memberships.first { $0.publisherID == publisherID }?.role
    }

    /// Site admins may do anything; otherwise the member's role in the publisher must be at least `role`.
    public func has(_ role: MemberRole, in publisherID: String) -> Bool {
        if account.isSiteAdmin { return true }
        guard let held = self.role(in: publisherID) else { return false }
        return held >= role
    }
}
