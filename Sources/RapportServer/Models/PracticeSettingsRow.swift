import Fluent
import Foundation

/// The owner's settings: measures the practice holds a licence for, and the crisis resources clients are shown.
final class PracticeSettingsRow: Model, @unchecked Sendable {
    static let schema = "practice_settings"
    /// The practice's id.
    @ID(key: .id) var id: UUID?
    /// Comma-separated ids of licensed measures the owner has enabled (ORS, SRS, CORE-10).
    @Field(key: "enabled_instruments") var enabledInstruments: String
    @OptionalField(key: "crisis_envelope") var crisisEnvelope: Data?
    /// An IANA zone (`Europe/London`), or nil until the owner chooses one.
    @OptionalField(key: "time_zone") var timeZone: String?
    /// How soon the practice replies to a client's message, in hours (`ReplyTime`); nil for the standard.
    @OptionalField(key: "reply_within_hours") var replyWithinHours: Int?
    /// Years a record is kept after therapy ends before the client may have it erased (`ErasureRules`); nil for the default.
    @OptionalField(key: "record_retention_years") var recordRetentionYears: Int?
    @Field(key: "updated_by") var updatedBy: UUID
    @Field(key: "updated_at") var updatedAt: Date
    init() {}
}
