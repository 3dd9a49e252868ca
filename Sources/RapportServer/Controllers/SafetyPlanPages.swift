import Fluent
import Foundation
import RapportCore
import Vapor

/// The safety plan: read and changed from the record by the care team (audited), and by the client in their portal.
enum SafetyPlanPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("clients", ":clientID", "safety-plan", action: .readSafetyPlan, use: careTeamPlan)
        routes.post("clients", ":clientID", "safety-plan", action: .writeSafetyPlan, use: careTeamSave)
        routes.get("me", "safety-plan", action: .viewOwnPortal, use: ownPlan)
        routes.post("me", "safety-plan", action: .writeOwnSafetyPlan, use: ownSave)
    }

    /// The version a form was written over, read as text first so no value can overflow; anything odd is -1, which
    /// matches no version and so is refused as "changed meanwhile" rather than saved over.
    static func basedOn(_ fields: [String: String]) -> Int {
        guard let raw = fields["based_on"], raw.utf8.count <= 9, let version = Int(raw), version >= 0 else { return -1 }
        return version
    }

    // MARK: The care team's side

    @Sendable static func careTeamPlan(_ req: Request) async throws -> Response {
        try await careTeamPage(req, saved: req.query[String.self, at: "saved"] == "1")
    }

    static func careTeamPage(_ req: Request, draft: [String: String]? = nil, problems: [FieldProblem] = [], conflict: String? = nil,
                             saved: Bool = false, basedOn: Int? = nil) async throws -> Response {
        let (name, current) = try await req.withClientRecord(recording: .readSafetyPlan, onlyReads: true) { record -> (String, SafetyPlanView?) in
            (try await record.clientName(), try await SafetyPlans.current(in: record))
        }
        let page = SafetyPlanPage(viewer: .careTeam(clientName: name, clientID: try req.clientAccess().scope.clientID), current: current,
                                  crisisResources: "", context: req.page, zone: try await req.practiceZone(), draft: draft,
                                  problems: problems, conflict: conflict, saved: saved, basedOn: basedOn)
        return Layout.render(page, status: conflict != nil ? .conflict : (problems.isEmpty ? .ok : .unprocessableEntity))
    }

    @Sendable static func careTeamSave(_ req: Request) async throws -> Response {
        let fields = req.formFields()
        // Refused before any transaction: on SQLite a refusal inside one would send its whole batch round again.
        let problems = SafetyPlan.problems(fields)
        // A refused form keeps the version it was written over, so fixing it still can't save over a newer one unseen.
        guard problems.isEmpty else { return try await careTeamPage(req, draft: fields, problems: problems, basedOn: max(basedOn(fields), 0)) }
        // Saved over since the form was opened: said before any transaction; checked again inside it for a save meanwhile.
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        if let stale = try await SafetyPlans.staleRefusal(clientID: try req.clientAccess().scope.clientID, basedOn: basedOn(fields),
                                                          viewer: actor.userID, viewerIsClient: false, on: req.db) {
            return try await careTeamPage(req, draft: fields, conflict: stale)
        }
        do {
            _ = try await req.withClientRecord { record in
                try await SafetyPlans.save(fields, basedOn: basedOn(fields), byClient: false, in: record)
            }
            return req.redirect(to: "/clients/\(try req.clientAccess().scope.clientID.uuidString.lowercased())/safety-plan?saved=1")
        } catch RecordError.conflict(let message) {
            return try await careTeamPage(req, draft: fields, conflict: message)
        } catch RecordError.invalid(let problems) {
            return try await careTeamPage(req, draft: fields, problems: problems, basedOn: max(basedOn(fields), 0))
        }
    }


    // MARK: The client's side

    @Sendable static func ownPlan(_ req: Request) async throws -> Response {
        try await ownPage(req, saved: req.query[String.self, at: "saved"] == "1")
    }

    static func ownPage(_ req: Request, draft: [String: String]? = nil, problems: [FieldProblem] = [], conflict: String? = nil,
                        saved: Bool = false, basedOn: Int? = nil) async throws -> Response {
        let record = try await ClientPages.ownRecord(req)
        let page = SafetyPlanPage(viewer: .client, current: try await SafetyPlans.current(in: record),
                                  crisisResources: try await req.crisisResources(), context: req.page, zone: try await req.practiceZone(),
                                  draft: draft, problems: problems, conflict: conflict, saved: saved, basedOn: basedOn)
        return Layout.render(page, status: conflict != nil ? .conflict : (problems.isEmpty ? .ok : .unprocessableEntity))
    }

    @Sendable static func ownSave(_ req: Request) async throws -> Response {
        guard let clientID = req.identity.user?.clientID else { throw RapportError.denied(.wrongRole) }
        let fields = req.formFields()
        let problems = SafetyPlan.problems(fields)
        guard problems.isEmpty else { return try await ownPage(req, draft: fields, problems: problems, basedOn: max(basedOn(fields), 0)) }
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        if let stale = try await SafetyPlans.staleRefusal(clientID: clientID, basedOn: basedOn(fields), viewer: actor.userID,
                                                          viewerIsClient: true, on: req.db) {
            return try await ownPage(req, draft: fields, conflict: stale)
        }
        do {
            _ = try await req.transaction { db in
                try await SafetyPlans.save(fields, basedOn: basedOn(fields), byClient: true,
                                           in: try await req.ownRecord(.writeOwnSafetyPlan, clientID: clientID, on: db))
            }
            return req.redirect(to: "/me/safety-plan?saved=1")
        } catch RecordError.conflict(let message) {
            return try await ownPage(req, draft: fields, conflict: message)
        }
    }
}
