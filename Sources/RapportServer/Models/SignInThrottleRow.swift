import Fluent
import Foundation

final class SignInThrottleRow: Model, @unchecked Sendable {
    static let schema = "sign_in_throttles"
    @ID(key: .id) var id: UUID?
    /// Blind index of the email tried, so throttling works the same whether or not the account exists.
    @Field(key: "subject_index") var subjectIndex: Data
    @Field(key: "failures") var failures: Int
    @Field(key: "window_started_at") var windowStartedAt: Date
    @OptionalField(key: "locked_until") var lockedUntil: Date?
    init() {}
}
