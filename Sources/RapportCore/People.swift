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

/// Someone signed in, as the policy sees them: who, in which practice, in which role. (Not "Actor": that is Swift's
/// protocol for actors, and the word should mean one thing here.)
public struct Principal: Sendable, Equatable {
    public let userID: UUID
    public let role: Role
    public let practiceID: UUID
    /// For a client, the client record they are; nil for staff.
    public let clientID: UUID?

    public init(userID: UUID, role: Role, practiceID: UUID, clientID: UUID? = nil) {
        self.userID = userID
        self.role = role
        self.practiceID = practiceID
        self.clientID = clientID
    }
}

/// What the policy needs to know about a client's record to decide who may touch it.
public struct ClientScope: Sendable, Equatable {
    public let clientID: UUID
    public let practiceID: UUID
    /// User ids of the therapists on this client's care team.
    public let careTeam: Set<UUID>

    public init(clientID: UUID, practiceID: UUID, careTeam: Set<UUID>) {
        self.clientID = clientID
        self.practiceID = practiceID
        self.careTeam = careTeam
    }
}
