import Fluent
import Foundation

/// A practice's public reach-out page: its address, the one site allowed to frame its small version, and how many
/// days enquiries not turned into clients are kept. The practice's id is the row's.
final class ReachOutPageRow: Model, @unchecked Sendable {
    static let schema = "reach_out_pages"
    @ID(custom: "id", generatedBy: .user) var id: UUID?
    @Field(key: "slug") var slug: String
    @OptionalField(key: "frame_origin") var frameOrigin: String?
    @Field(key: "retention_days") var retentionDays: Int
    @Field(key: "updated_by") var updatedBy: UUID
    @Field(key: "updated_at") var updatedAt: Date
    init() {}
}

/// One enquiry from someone who is not a client yet: what they wrote, their name if they gave one, and how to reach
/// them, sealed whole under the practice's key (under the client's own once it became their invitation).
final class EnquiryRow: Model, @unchecked Sendable {
    static let schema = "enquiries"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "received_at") var receivedAt: Date
    @Field(key: "enquiry_envelope") var enquiryEnvelope: Data
    /// "new", "handled" or "invited".
    @Field(key: "status") var status: String
    @OptionalField(key: "handled_at") var handledAt: Date?
    @OptionalField(key: "handled_by") var handledBy: UUID?
    @OptionalField(key: "client_id") var clientID: UUID?
    init() {}
}
