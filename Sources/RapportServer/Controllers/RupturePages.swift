import Foundation
import RapportCore
import Vapor

/// The rupture → repair log on a client's record (issue 10, point 2): review a possible rupture, record one noticed
/// in the room, and record repairs on a rupture's own page.
enum RupturePages {
    static func register(_ routes: any RoutesBuilder) {
        routes.post("clients", ":clientID", "ruptures", action: .recordRupture, use: review)
        routes.get("clients", ":clientID", "ruptures", ":ruptureID", action: .listRuptures, use: rupturePage)
        routes.post("clients", ":clientID", "ruptures", ":ruptureID", "repairs", action: .recordRupture, use: repair)
    }

    static func ruptureID(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("ruptureID").flatMap(UUID.init(uuidString:)) else { throw RapportError.notFound }
        return id
    }

    /// The codes of the checkboxes ticked on a form, by prefix ("marker-minimal-response" → "minimal-response").
    static func ticked(_ fields: [String: String], prefix: String) -> [String] {
        fields.filter { $0.key.hasPrefix(prefix) && $0.value == "on" }.map { String($0.key.dropFirst(prefix.count)) }.sorted()
    }

    @Sendable static func review(_ req: Request) async throws -> Response {
        let fields = req.formFields()
        let entry = RuptureEntry(decision: fields["decision"], appointmentID: fields["appointment_id"], rule: fields["rule"],
                                 type: fields["type"], markers: ticked(fields, prefix: "marker-"), note: fields["note"])
        let clientID = try req.clientAccess().scope.clientID
        // The form the answer belongs to: the card of the possible rupture reviewed, or the "noticed" form.
        let formID: String
        if entry.decision == RuptureEntry.Decision.noticed.rawValue {
            formID = RelationshipPart.noticedFormID
        } else if let appointment = entry.appointmentID.flatMap(UUID.init(uuidString:)), let rule = entry.rule,
                  RuptureRules.all.contains(where: { $0.id == rule }) {
            formID = "review-\(appointment.lowercasedText)-\(rule)"
        } else {
            formID = RelationshipPart.sectionProblems
        }
        var drafts = [formID: entry.note ?? ""]
        drafts["\(RelationshipPart.noticedFormID)-type"] = entry.type
        drafts["\(RelationshipPart.noticedFormID)-session"] = entry.appointmentID
        do {
            let id = try await req.withClientRecord { record in try await RuptureLog.record(entry, in: record) }
            let anchor = entry.decision == RuptureEntry.Decision.dismiss.rawValue ? "relationship" : "rupture-\(id.lowercasedText)"
            return req.redirect(to: "/clients/\(clientID.lowercasedText)#\(anchor)")
        } catch RecordError.invalid(let problems) {
            let contents = try await ClientPages.recordContents(req)
            // A card that is no longer there (reviewed meanwhile) can't show its message: the section does.
            let shown = formID == RelationshipPart.noticedFormID
                || contents.ruptures.possible.contains { RelationshipPart.formID($0) == formID }
            return try await ClientPages.recordPage(req, contents: contents, drafts: drafts,
                                                    problems: [shown ? formID : RelationshipPart.sectionProblems: problems],
                                                    ticked: [formID: Set(entry.markers)])
        } catch RecordError.conflict(let message) {
            return try await ClientPages.recordPage(req, contents: try await ClientPages.recordContents(req), drafts: [:],
                                                    problems: [RelationshipPart.sectionProblems: [FieldProblem(field: "form", message: message)]],
                                                    status: .conflict)
        }
    }

    /// The rupture's page, read as a look at the log whichever route shows it.
    static func page(_ req: Request, id: UUID, drafts: [String: String] = [:], problems: [FieldProblem] = [], ticked: Set<String> = [],
                     refusal: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let (name, rupture) = try await req.withClientRecord(recording: .listRuptures) { record in
            let name = try await record.clientName()
            guard let rupture = try await RuptureLog.load(in: record).log.first(where: { $0.id == id }) else { throw RecordError.notFound }
            return (name, rupture)
        }
        let view = RupturePage(clientName: name, clientID: try req.clientAccess().scope.clientID, rupture: rupture, context: req.page,
                               zone: try await req.practiceZone(), drafts: drafts, problems: problems, ticked: ticked, refusal: refusal)
        return Layout.render(view, status: status)
    }

    @Sendable static func rupturePage(_ req: Request) async throws -> Response {
        try await page(req, id: try ruptureID(req))
    }

    @Sendable static func repair(_ req: Request) async throws -> Response {
        let id = try ruptureID(req)
        let fields = req.formFields()
        let entry = RepairEntry(actions: ticked(fields, prefix: "action-"), outcome: fields["outcome"], note: fields["note"],
                                shareWithClient: fields["share_with_client"] == "on")
        do {
            _ = try await req.withClientRecord { record in try await RuptureLog.repair(id, entry, in: record) }
            return req.redirect(to: "/clients/\(try req.clientAccess().scope.clientID.lowercasedText)/ruptures/\(id.lowercasedText)")
        } catch RecordError.invalid(let problems) {
            return try await page(req, id: id, drafts: ["outcome": entry.outcome ?? "", "note": entry.note ?? "",
                                                        "share": entry.shareWithClient ? "on" : ""],
                                  problems: problems, ticked: Set(entry.actions), status: .unprocessableEntity)
        } catch RecordError.conflict(let message) {
            return try await page(req, id: id, refusal: message, status: .conflict)
        }
    }
}
