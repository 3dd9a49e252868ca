import Fluent
import Foundation

/// Which measures one client is asked, chosen by their therapist. No row: the practice's defaults.
final class CheckInPlanRow: Model, @unchecked Sendable {
    static let schema = "check_in_plans"
    /// The client's id.
    @ID(key: .id) var id: UUID?
    /// Comma-separated instrument ids, possibly empty (no check-ins for this client).
    @Field(key: "instruments") var instruments: String
    @Field(key: "updated_by") var updatedBy: UUID
    @Field(key: "updated_at") var updatedAt: Date
    init() {}
}
