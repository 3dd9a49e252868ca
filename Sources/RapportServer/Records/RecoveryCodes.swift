import Fluent
import Foundation
import RapportCore
import RapportVault

/// A person's one-time recovery codes: made when two-step sign-in is turned on (and again on request), each usable
/// once instead of an authenticator app's code. The codes themselves leave here only to be shown once; the table
/// keeps a keyed hash of each (`KeyStore.recoveryCodeHash`), never anything that could be opened again.
///
/// Every function runs inside its caller's transaction.
enum RecoveryCodes {
    /// At or below this many unused codes, the account page says to make new ones.
    static let fewLeft = 3

    /// Replaces all of the person's codes (used or not) with a new set, and returns the new codes as they are shown.
    static func replace(for userID: UUID, keys: KeyStore, now: Date, on db: any Database) async throws -> [String] {
        try await deleteAll(for: userID, on: db)
        let codes = RecoveryCode.generateSet()
        for code in codes {
            let row = RecoveryCodeRow()
            row.userID = userID
            row.codeHash = keys.recoveryCodeHash(code, userID: userID)
            row.createdAt = now
            try await row.create(on: db)
        }
        return codes.map(RecoveryCode.display)
    }

    static func deleteAll(for userID: UUID, on db: any Database) async throws {
        try await RecoveryCodeRow.query(on: db).filter(\.$userID == userID).delete()
    }

    /// How many of the person's codes are still unused.
    static func remaining(for userID: UUID, on db: any Database) async throws -> Int {
        try await RecoveryCodeRow.query(on: db).filter(\.$userID == userID).filter(\.$usedAt == nil).count()
    }

    enum Claim: Sendable, Equatable {
        case accepted
        /// One of the person's codes, used before.
        case usedBefore
        /// Not one of the person's codes at all.
        case unknown
    }

    /// Marks the code used if it is one of the person's unused ones. The mark is a conditional update that only
    /// matches while `used_at` is empty, so of two sign-ins racing with the same code exactly one is accepted.
    static func claim(_ canonical: String, userID: UUID, keys: KeyStore, now: Date, on db: any Database) async throws -> Claim {
        let hash = keys.recoveryCodeHash(canonical, userID: userID)
        guard let row = try await RecoveryCodeRow.query(on: db).filter(\.$userID == userID).filter(\.$codeHash == hash).first()
        else { return .unknown }
        guard try await OneTimeClaim.claim(RecoveryCodeRow.schema, id: try row.requireID(), setting: "used_at", to: now,
                                           unlessAlready: OneTimeClaim.isNull("used_at"), on: db)
        else { return .usedBefore }
        return .accepted
    }
}

// MARK: - Two-step sign-in: recovery codes, and the owner's reset

extension People {
    /// The first code from the authenticator app turns two-step sign-in on and makes the person's recovery codes, in
    /// one transaction. Returns the codes, to be shown once.
    func completeEnrolment(_ code: String, for user: UserRow) async throws -> [String] {
        let userID = try user.requireID()
        let (keys, now) = (keys, services.now)
        return try await checkCode(code, for: user, enrolling: true) { db in
            try await RecoveryCodes.replace(for: userID, keys: keys, now: now, on: db)
        }
    }

    /// A new set of recovery codes, after a current code from the app; the old set stops working in the same
    /// transaction. Audited: a new set is what someone who had taken over the account would make.
    func makeNewRecoveryCodes(_ code: String, for user: UserRow, by actor: Principal) async throws -> [String] {
        guard user.totpEnabledAt != nil else {
            throw RecordError.conflict("Recovery codes come with two-step sign-in, which isn't turned on for your account.")
        }
        let userID = try user.requireID()
        let (keys, now) = (keys, services.now)
        return try await checkCode(code, for: user, enrolling: false) { db in
            let codes = try await RecoveryCodes.replace(for: userID, keys: keys, now: now, on: db)
            try await AuditWriter.append(.access(by: actor, .useOwnAccount, clientID: nil, resource: userID, resourceType: "recovery-codes"),
                                         at: now, on: db)
            return codes
        }
    }

    /// Unused recovery codes, or nil when the person has no two-step sign-in (and so no codes to speak of).
    func recoveryCodesLeft(_ user: UserRow, on db: any Database) async throws -> Int? {
        guard user.totpEnabledAt != nil else { return nil }
        return try await RecoveryCodes.remaining(for: try user.requireID(), on: db)
    }

    /// The second step of signing in with a recovery code instead of the app's code. Every attempt is counted by
    /// the sign-in throttle before it is checked, like a code from the app, and only an accepted one clears it.
    /// Each attempt that gets past the throttle is written to the audit trail, accepted or not: a code used (or
    /// guessed at) is something the practice may need to see. The code itself is never stored or logged.
    func signInWithRecoveryCode(_ typed: String, for user: UserRow, as actor: Principal) async throws {
        let subject = user.emailIndex
        try await SignInThrottle.claimAttempt(subject, services: services, on: db)
        guard user.totpEnabledAt != nil else { throw RecordError.conflict("Two-step sign-in isn't set up yet.") }
        let userID = try user.requireID()
        let (keys, now) = (keys, services.now)
        let canonical = RecoveryCode.canonical(typed)
        let claim = try await services.transactions.run(on: db) { db -> RecoveryCodes.Claim? in
            var claim: RecoveryCodes.Claim?
            if let canonical { claim = try await RecoveryCodes.claim(canonical, userID: userID, keys: keys, now: now, on: db) }
            let accepted = claim == .accepted
            try await AuditWriter.append(.access(by: actor, .completeSignIn, clientID: nil, resource: userID, resourceType: "recovery-code",
                                                 outcome: accepted ? "allowed" : "denied:wrong-recovery-code"), at: now, on: db)
            if accepted { try await SignInThrottle.reset(subject, on: db) }
            return claim
        }
        switch claim {
        case .accepted?:
            return
        case .usedBefore?:
            throw RecordError.invalid([FieldProblem(field: "code", message: "That recovery code has already been used. Each one works once: please use another from your list.")])
        case .unknown?:
            throw RecordError.invalid([FieldProblem(field: "code", message: "That recovery code didn't work. Please check it against the list you kept.")])
        case nil:
            throw RecordError.invalid([FieldProblem(field: "code", message: "A recovery code has 12 letters and digits, like k7mqx2-h9tdrw. Please check the one you typed.")])
        }
    }

    /// A therapist of the owner's own practice, by id, with their name, for the reset's confirmation. Anyone else
    /// (another practice's staff, a client, the owner themselves, an id that names nobody) is not found, so the
    /// answer never says whether the id exists elsewhere.
    func therapistForReset(_ id: UUID, by owner: Principal, on db: any Database) async throws -> (row: UserRow, name: String) {
        guard id != owner.userID,
              let row = try await UserRow.query(on: db).filter(\.$id == id).filter(\.$practiceID == owner.practiceID)
                  .filter(\.$role == Role.therapist.rawValue).first()
        else { throw RecordError.notFound }
        return (row, try await name(of: row, on: db))
    }

    /// The owner's reset of a therapist's two-step sign-in, for a lost phone and lost recovery codes: their
    /// authenticator key (and any key from an enrolment they restarted), its last used step and their recovery
    /// codes are cleared, and their sign-ins end, so the next sign-in with their password takes them to enrolment
    /// with a new key. One transaction, with its audit entry. Returns the therapist's name.
    ///
    /// It is a key operation (SECURITY.md: re-authentication), so it takes a fresh code from the owner's own app,
    /// claimed in the same transaction: a signed-in owner's browser left open is not enough to hand someone who
    /// knows a therapist's password a way to enrol their own phone. An id that isn't the owner's therapist is
    /// refused before the code is looked at, so it costs no code.
    func resetTwoFactor(of id: UUID, by owner: Principal, code: String) async throws -> String {
        let now = services.now
        _ = try await therapistForReset(id, by: owner, on: db)
        guard let ownerRow = try await UserRow.find(owner.userID, on: db) else { throw RecordError.notFound }
        return try await checkCode(code, for: ownerRow, enrolling: false) { db in
            let (therapist, name) = try await therapistForReset(id, by: owner, on: db)
            therapist.totpSecretEnvelope = nil
            therapist.totpPreviousSecretEnvelope = nil
            therapist.totpLastStep = nil
            therapist.totpEnabledAt = nil
            try await therapist.update(on: db)
            try await RecoveryCodes.deleteAll(for: id, on: db)
            try await SignInRow.query(on: db).filter(\.$userID == id).delete()
            try await AuditWriter.append(.access(by: owner, .resetStaffTwoFactor, clientID: nil, resource: id), at: now, on: db)
            return name
        }
    }
}
