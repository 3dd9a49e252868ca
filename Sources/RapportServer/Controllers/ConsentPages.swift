import Fluent
import Foundation
import RapportCore
import Vapor

/// Consent with the limits of confidentiality (issue 12, point 1): the owner writes the practice's agreement (version
/// by version); the client reads it on their phone and signs it with their typed name before their first check-in,
/// and keeps a printable copy.
enum ConsentPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("practice", "consent", action: .manageSettings, use: editor)
        routes.post("practice", "consent", action: .manageSettings, use: save)
        routes.get("me", "consent", action: .viewOwnPortal, use: own)
        routes.post("me", "consent", action: .setOwnPreferences, use: sign)
    }

    // MARK: The owner

    @Sendable static func editor(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let current = try await req.transaction { [now = req.rapport.now] db in
            try await Consents.current(practiceID: actor.practiceID, now: now, on: db)
        }
        let saved = req.query[String.self, at: "saved"]
        return try await render(req, current: current, draft: current.document, problems: [],
                                notice: saved == "new" ? "Saved as version \(current.version). Each client is asked to sign it."
                                    : saved == "same" ? "Nothing in the text changed, so there is no new version." : nil)
    }

    static func render(_ req: Request, current: Consents.Version, draft: ConsentDocument, problems: [FieldProblem], notice: String?,
                       status: HTTPResponseStatus = .ok) async throws -> Response {
        Layout.render(ConsentEditorPage(current: current, draft: draft, problems: problems, notice: notice,
                                        zone: try await req.practiceZone(), context: req.page), status: status)
    }

    /// The form's fields as a document; the optional supervision limit is left out when both its fields are empty.
    static func document(_ fields: [String: String]) -> ConsentDocument {
        var limits: [ConsentDocument.Limit] = []
        for kind in ConsentDocument.LimitKind.allCases {
            let title = fields["limit-\(kind.rawValue)-title"] ?? ""
            let text = fields["limit-\(kind.rawValue)-text"] ?? ""
            if !ConsentDocument.LimitKind.required.contains(kind) && ConsentRules.normalised(title + text).isEmpty { continue }
            limits.append(ConsentDocument.Limit(kind: kind, title: title, text: text))
        }
        return ConsentDocument(introduction: fields["introduction"] ?? "", limits: limits, records: fields["records"] ?? "")
    }

    @Sendable static func save(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let draft = document(req.formFields())
        let now = req.rapport.now
        do {
            let (_, isNew) = try await req.transaction { db in try await Consents.save(draft, by: actor, now: now, on: db) }
            return req.redirect(to: "/practice/consent?saved=\(isNew ? "new" : "same")")
        } catch RecordError.invalid(let problems) {
            let current = try await req.transaction { db in try await Consents.current(practiceID: actor.practiceID, now: now, on: db) }
            return try await render(req, current: current, draft: draft, problems: problems, notice: nil, status: .unprocessableEntity)
        }
    }

    // MARK: The client

    /// Where to go back to after signing: only a check-in of the client's own (the gate sends them here from one).
    static func next(_ raw: String?) -> String? {
        guard let raw, raw.utf8.count <= 120, raw.hasPrefix("/me/check-ins/"),
              raw.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "/" || $0 == "-" }) else { return nil }
        return raw
    }

    @Sendable static func own(_ req: Request) async throws -> Response {
        try await ownPage(req, next: next(req.query[String.self, at: "next"]), draftName: "", problems: [])
    }

    static func ownPage(_ req: Request, next: String?, draftName: String, problems: [FieldProblem],
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let record = try await ClientPages.ownRecord(req)
        let current = try await Consents.current(practiceID: record.practiceID, now: record.now, on: req.db)
        let signature = try await Consents.signature(clientID: record.clientID, on: req.db)
        let signedName = try signature.map { try record.open($0.nameEnvelope, "consent_signatures", "name", row: $0.id) }
        return Layout.render(OwnConsentPage(
            current: current, signature: signature, signedName: signedName,
            practiceName: try await People(req).practiceName(record.practiceID, on: req.db), next: next, draftName: draftName,
            problems: problems, zone: try await req.practiceZone(), context: req.page), status: status)
    }

    @Sendable static func sign(_ req: Request) async throws -> Response {
        let fields = req.formFields()
        let typed = String((fields["signature"] ?? "").prefix(ConsentRules.signatureNames.upperBound + 1))
        let next = next(fields["next"])
        guard let shown = InputRules.integer(fields["version"], in: 1...1_000_000) else {
            return try await ownPage(req, next: next, draftName: typed,
                                     problems: [FieldProblem(field: "form", message: "Please sign the agreement shown on this page.")], status: .badRequest)
        }
        guard let clientID = req.identity.user?.clientID else { throw RapportError.denied(.wrongRole) }
        do {
            _ = try await req.transaction { db in
                let record = try await req.ownRecord(.setOwnPreferences, clientID: clientID, on: db)
                return try await Consents.sign(typedName: typed, shownVersion: shown, in: record)
            }
            return req.redirect(to: next ?? "/me/consent#signed")
        } catch RecordError.invalid(let problems) {
            return try await ownPage(req, next: next, draftName: typed, problems: problems, status: .unprocessableEntity)
        } catch RecordError.conflict(let message) {
            return try await ownPage(req, next: next, draftName: typed, problems: [FieldProblem(field: "form", message: message)], status: .conflict)
        }
    }
}
