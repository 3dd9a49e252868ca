public import Foundation

/// The three kinds of people who sign in to Rapport (PRODUCT.md, "Who uses it").
public enum Role: String, Sendable, Codable, CaseIterable {
    case owner
    case therapist
    case client

    /// Owner and therapists handle other people's records, so SECURITY.md requires a second factor for them.
    public var requiresTwoFactor: Bool { self != .client }

    /// Staff work with other people's records and are signed out sooner when idle (SECURITY.md: 15 vs 30 minutes).
    public var isStaff: Bool { self != .client }
}

/// Someone signed in, as the policy sees them: who, in which practice, with which roles. (Not "Actor": that is
/// Swift's protocol for actors, and the word should mean one thing here.)
///
/// Roles are a set because one person can hold two: the owner of a solo practice is also its therapist, with one
/// account and one authenticator entry (issue 9). A client is only ever a client.
public struct Principal: Sendable, Equatable {
    public let userID: UUID
    public let roles: Set<Role>
    public let practiceID: UUID
    /// For a client, the client record they are; nil for staff.
    public let clientID: UUID?

    public init(userID: UUID, roles: Set<Role>, practiceID: UUID, clientID: UUID? = nil) {
        self.userID = userID
        // A client who also held a staff role could be on their own care team; the policy would refuse it, but the
        // set never holds it in the first place.
        self.roles = roles.contains(.client) ? [.client] : (roles.isEmpty ? [.client] : roles)
        self.practiceID = practiceID
        self.clientID = clientID
    }

    public init(userID: UUID, role: Role, practiceID: UUID, clientID: UUID? = nil) {
        self.init(userID: userID, roles: [role], practiceID: practiceID, clientID: clientID)
    }

    public func has(_ role: Role) -> Bool { roles.contains(role) }

    /// The role they are known by when no action says otherwise (their home page, their account): owner before
    /// therapist before client.
    public var primaryRole: Role {
        if has(.owner) { return .owner }
        if has(.therapist) { return .therapist }
        return .client
    }

    public var isClient: Bool { has(.client) }
    public var isStaff: Bool { !isClient }

    /// The capacity in which this person does an action: the role of theirs that the action calls for, or their
    /// primary role when the action calls for none or for one they don't hold (a refusal is recorded in the capacity
    /// they had). The audit trail records it, so an owner who also sees clients reads a record as its therapist.
    public func capacity(for action: Action) -> Role {
        if let needed = action.capacity, has(needed) { return needed }
        return primaryRole
    }
}

/// What the policy needs to know about a client's record to decide who may touch it.
public struct ClientScope: Sendable, Equatable {
    public let clientID: UUID
    public let practiceID: UUID
    /// User ids of the therapists on this client's care team.
    public let careTeam: Set<UUID>
    /// Therapy has ended: the client keeps read-only access to what is theirs and may reach out again.
    public let ended: Bool

    public init(clientID: UUID, practiceID: UUID, careTeam: Set<UUID>, ended: Bool = false) {
        self.clientID = clientID
        self.practiceID = practiceID
        self.careTeam = careTeam
        self.ended = ended
    }
}
