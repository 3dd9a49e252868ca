import Fluent
import Foundation

/// A practice agreed between sessions: what, how often and why, sealed whole under the client's key. Agreeing a new
/// one ends the one before (`endedAt`), so a client has at most one running.
final class PracticeAgreementRow: Model, @unchecked Sendable {
    static let schema = "practice_agreements"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "agreed_by") var agreedBy: UUID
    @Field(key: "agreed_at") var agreedAt: Date
    @OptionalField(key: "ended_at") var endedAt: Date?
    @Field(key: "agreement_envelope") var agreementEnvelope: Data
    init() {}
}

/// One attempt the client logged: how it went, how it felt and a note, sealed under the client's key.
final class PracticeAttemptRow: Model, @unchecked Sendable {
    static let schema = "practice_attempts"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "agreement_id") var agreementID: UUID
    @Field(key: "logged_at") var loggedAt: Date
    @Field(key: "attempt_envelope") var attemptEnvelope: Data
    init() {}
}
