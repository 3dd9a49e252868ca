import Fluent
import Foundation
import RapportCore

/// The newest version of a client's safety plan, opened.
struct SafetyPlanView: Sendable, Equatable {
    let version: Int
    let plan: SafetyPlan
    let byClient: Bool
    let savedAt: Date
}

/// A client's safety plan, written together and editable by both: each save is a new version (the old ones are
/// kept), sealed whole under the client's key. Saving says which version it was written over, so neither side
/// overwrites what the other saved meanwhile without seeing it.
enum SafetyPlans {
    static let notificationKind = "safety-plan"

    /// The newest version, or nil before the first.
    static func current(in record: ClientRecord) async throws -> SafetyPlanView? {
        guard let row = try await SafetyPlanVersionRow.query(on: record.db).filter(\.$clientID == record.clientID)
            .sort(\.$version, .descending).first()
        else { return nil }
        return try view(row, in: record)
    }

    /// Saves `fields` as the next version, written over `basedOn` (0 for none). Refused, with nothing written, when the
    /// plan breaks a rule or someone saved another version since.
    @discardableResult
    static func save(_ fields: [String: String], basedOn: Int, byClient: Bool, in record: ClientRecord) async throws -> SafetyPlanView {
        let problems = SafetyPlan.problems(fields)
        guard problems.isEmpty else { throw RecordError.invalid(problems) }
        let newest = try await SafetyPlanVersionRow.query(on: record.db).filter(\.$clientID == record.clientID)
            .sort(\.$version, .descending).first()?.version ?? 0
        guard newest == basedOn else { throw RecordError.conflict(changedMeanwhile(byClient: byClient)) }
        let plan = SafetyPlan.from(fields: fields)
        let id = UUID()
        let row = SafetyPlanVersionRow()
        row.id = id
        row.practiceID = record.practiceID
        row.clientID = record.clientID
        row.version = newest + 1
        row.planEnvelope = try record.seal(String(decoding: try JSONEncoder().encode(plan.parts), as: UTF8.self),
                                           SafetyPlanVersionRow.schema, "plan", row: id)
        row.writtenBy = record.actor.userID
        row.byClient = byClient
        row.createdAt = record.now
        // The unique (client, version) index refuses the second of two saves over the same version at once.
        try await row.create(on: record.db)
        let recipients = byClient ? record.scope.careTeam.sorted { $0.uuidString < $1.uuidString }
            : try await UserRow.query(on: record.db).filter(\.$clientID == record.clientID).all().map { try $0.requireID() }
        try await Notifications.enqueue(notificationKind, to: recipients, about: id, practiceID: record.practiceID, clientID: record.clientID,
                                        now: record.now, on: record.db)
        return SafetyPlanView(version: row.version, plan: plan, byClient: byClient, savedAt: record.now)
    }

    static func changedMeanwhile(byClient: Bool) -> String {
        byClient ? "Your therapist saved a newer version of the plan while you were writing. Your words are kept below: look at the newer plan, then save again."
            : "The client saved a newer version of the plan while you were writing. Your words are kept below: look at the newer plan, then save again."
    }

    private static func view(_ row: SafetyPlanVersionRow, in record: ClientRecord) throws -> SafetyPlanView {
        let id = try row.requireID()
        let json = try record.open(row.planEnvelope, SafetyPlanVersionRow.schema, "plan", row: id)
        let parts = try JSONDecoder().decode([String: String].self, from: Data(json.utf8))
        return SafetyPlanView(version: row.version, plan: SafetyPlan(parts: parts), byClient: row.byClient, savedAt: row.createdAt)
    }
}
