import Fluent
import Foundation
import RapportCore

/// The newest version of a client's safety plan, opened.
struct SafetyPlanView: Sendable, Equatable {
    let version: Int
    let plan: SafetyPlan
    let byClient: Bool
    let savedAt: Date
    /// Who saved it: the client's account or a therapist's.
    var writtenBy: UUID? = nil
}

/// A client's safety plan, written together and editable by both: each save is a new version (the old ones are
/// kept), sealed whole under the client's key. Saving says which version it was written over, so neither side
/// overwrites what the other saved meanwhile without seeing it.
enum SafetyPlans {
    static let notificationKind = "safety-plan"

    /// The newest version's row, nothing opened; nil before the first.
    static func newest(clientID: UUID, on db: any Database) async throws -> SafetyPlanVersionRow? {
        try await HotPaths.model(SafetyPlanVersionRow.self, """
            SELECT * FROM "safety_plan_versions" WHERE "client_id" = \(bind: clientID) ORDER BY "version" DESC LIMIT 1
            """, on: db)
    }

    /// Why a form written over `basedOn` can't be saved, when someone has saved since (nil: it can be). Asked before
    /// the save's transaction, from one read; the save asks again inside it.
    static func staleRefusal(clientID: UUID, basedOn: Int, viewer: UUID, viewerIsClient: Bool, on db: any Database) async throws -> String? {
        let newestRow = try await newest(clientID: clientID, on: db)
        guard (newestRow?.version ?? 0) != basedOn else { return nil }
        return changedMeanwhile(by: newestRow.map { ($0.writtenBy, $0.byClient) }, viewer: viewer, viewerIsClient: viewerIsClient)
    }

    /// The newest version, or nil before the first.
    static func current(in record: ClientRecord) async throws -> SafetyPlanView? {
        guard let row = try await newest(clientID: record.clientID, on: record.db) else { return nil }
        return try view(row, in: record)
    }

    /// Saves `fields` as the next version, written over `basedOn` (0 for none). Refused, with nothing written, when the
    /// plan breaks a rule or someone saved another version since.
    @discardableResult
    static func save(_ fields: [String: String], basedOn: Int, byClient: Bool, in record: ClientRecord) async throws -> SafetyPlanView {
        let problems = SafetyPlan.problems(fields)
        guard problems.isEmpty else { throw RecordError.invalid(problems) }
        let newestRow = try await newest(clientID: record.clientID, on: record.db)
        let newest = newestRow?.version ?? 0
        guard newest == basedOn else {
            throw RecordError.conflict(changedMeanwhile(by: newestRow.map { ($0.writtenBy, $0.byClient) }, viewer: record.actor.userID,
                                                        viewerIsClient: byClient))
        }
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
        do {
            try await row.create(on: record.db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // PostgreSQL: another save over the same version committed first; the unique (client, version) index
            // refused this one. (On SQLite write transactions run one after another, so the check above sees it.)
            throw RecordError.conflict(changedMeanwhile(by: nil, viewer: record.actor.userID, viewerIsClient: byClient))
        }
        try await Notifications.enqueue(notificationKind, to: try await Notifications.otherSide(ofClient: byClient, in: record),
                                        about: id, practiceID: record.practiceID, clientID: record.clientID, now: record.now, on: record.db)
        return SafetyPlanView(version: row.version, plan: plan, byClient: byClient, savedAt: record.now, writtenBy: record.actor.userID)
    }

    /// Why a save was refused, naming who saved the newer version as the viewer knows them (nil: not known).
    static func changedMeanwhile(by newest: (writtenBy: UUID, byClient: Bool)?, viewer: UUID, viewerIsClient: Bool) -> String {
        let who: String
        switch newest {
        case let (writtenBy, _)? where writtenBy == viewer: who = "You saved a newer version of the plan (in another window, perhaps)"
        case let (_, byClient)? where byClient: who = "The client saved a newer version of the plan"
        case .some: who = viewerIsClient ? "Your therapist saved a newer version of the plan" : "Someone else on the care team saved a newer version of the plan"
        case nil: who = "A newer version of the plan was saved"
        }
        return who + " while you were writing. Your words are kept below: look at the newer plan, then save again."
    }

    private static func view(_ row: SafetyPlanVersionRow, in record: ClientRecord) throws -> SafetyPlanView {
        let id = try row.requireID()
        let json = try record.open(row.planEnvelope, SafetyPlanVersionRow.schema, "plan", row: id)
        let parts = try JSONDecoder().decode([String: String].self, from: Data(json.utf8))
        return SafetyPlanView(version: row.version, plan: SafetyPlan(parts: parts), byClient: row.byClient, savedAt: row.createdAt,
                              writtenBy: row.writtenBy)
    }
}
