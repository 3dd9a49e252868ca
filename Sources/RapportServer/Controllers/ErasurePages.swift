import Fluent
import Foundation
import RapportCore
import Vapor

/// Erasure from the pages (issue 12, point 5): the client asks in their portal; the owner sets how long records are
/// kept, sees who asked, and erases a record with a fresh code from their own app, claimed in the same transaction.
enum ErasurePages {
    static func register(_ routes: any RoutesBuilder) {
        routes.post("me", "erasure-request", action: .setOwnPreferences, use: request)
        routes.get("practice", "erasures", action: .eraseClientRecord, use: page)
        routes.post("practice", "erasures", action: .eraseClientRecord, use: erase)
        routes.post("practice", "erasures", "retention", action: .manageSettings, use: saveRetention)
    }

    /// The client's request, on their own record (the policy decides it is theirs), written to the trail with it.
    @Sendable static func request(_ req: Request) async throws -> Response {
        guard let clientID = req.identity.user?.clientID, let actor = req.identity.actor else { throw RapportError.denied(.wrongRole) }
        try await req.transaction { db in
            let record = try await req.ownRecord(.setOwnPreferences, clientID: clientID, on: db)
            try await Erasure.request(clientID: record.clientID, now: record.now, on: db)
            try await AuditWriter.append(.access(by: actor, .setOwnPreferences, clientID: record.clientID, resource: nil,
                                                 resourceType: "erasure-request"), at: record.now, on: db)
        }
        return req.redirect(to: "/me/record-access#erasure")
    }

    @Sendable static func page(_ req: Request) async throws -> Response {
        // `?client=` pre-fills the form from a request's "Erase" link; anything but a client id is ignored.
        let client = (try? req.query.get(String.self, at: "client")).flatMap { $0.utf8.count <= 36 ? UUID(uuidString: $0) : nil }
        let notice: String? = req.query[String.self, at: "erased"] != nil ? "The record is erased. Nothing of it can be read again."
            : req.query[String.self, at: "saved"] != nil ? "Saved." : nil
        return try await render(req, draftClient: client?.lowercasedText ?? "", notice: notice)
    }

    static func render(_ req: Request, draftClient: String = "", draftReason: String = "", problems: [FieldProblem] = [],
                       retentionProblems: [FieldProblem] = [], notice: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let (years, requests, done) = try await Erasure.requests(practiceID: actor.practiceID, on: req.db)
        let therapists = try await People(req).therapists(practiceID: actor.practiceID, on: req.db)
        var names = Dictionary(uniqueKeysWithValues: therapists.map { ($0.id, $0.name) })
        if names[actor.userID] == nil, let owner = req.identity.user { names[actor.userID] = try await People(req).name(of: owner, on: req.db) }
        return Layout.render(ErasuresPage(years: years, requests: requests, done: done, names: names, now: req.rapport.now,
                                          zone: try await req.practiceZone(), draftClient: draftClient, draftReason: draftReason,
                                          problems: problems, retentionProblems: retentionProblems, notice: notice, context: req.page),
                             status: status)
    }

    @Sendable static func erase(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor, let ownerRow = req.identity.user else { throw RapportError.denied(.notSignedIn) }
        let fields = req.formFields()
        let rawClient = (fields["client"] ?? "").trimmingCharacters(in: .whitespaces)
        let reason = (fields["legal_reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let code = fields["code"] ?? ""
        func again(_ problems: [FieldProblem], _ status: HTTPResponseStatus) async throws -> Response {
            try await render(req, draftClient: String(rawClient.prefix(36)), draftReason: String(reason.prefix(ErasureRules.legalReasonLength.upperBound + 1)),
                             problems: problems, status: status)
        }
        guard rawClient.utf8.count <= 36, let clientID = UUID(uuidString: rawClient) else {
            return try await again([FieldProblem(field: "client", message: "Enter the client's reference: the long code in the address of their record, or from a request above.")], .unprocessableEntity)
        }
        guard reason.count <= ErasureRules.legalReasonLength.upperBound else {
            return try await again([FieldProblem(field: "legal_reason", message: "Please keep the reason under \(ErasureRules.legalReasonLength.upperBound) characters.")], .unprocessableEntity)
        }
        let services = req.rapport
        do {
            return try await AccountPages.checkingFreshCode {
                _ = try await People(req).checkCode(code, for: ownerRow, enrolling: false) { db in
                    try await Erasure.eraseWithin(db, clientID: clientID, by: actor, legalReason: reason.isEmpty ? nil : reason,
                                                  clientAsked: false, services: services)
                }
                await Erasure.scrubFreedSpace(services, on: req.db, logger: req.logger)
                return req.redirect(to: "/practice/erasures?erased=1")
            } orAgain: { problems, status in
                try await again(problems, status)
            }
        } catch let refused as Erasure.Refused {
            return try await again([FieldProblem(field: "form", message: "Not erased: \(refused.description)")], .unprocessableEntity)
        }
    }

    @Sendable static func saveRetention(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let raw = req.formFields()["retention_years"]
        let now = req.rapport.now
        do {
            try await req.transaction { db in try await Erasure.saveRetention(raw, by: actor, now: now, on: db) }
            return req.redirect(to: "/practice/erasures?saved=1")
        } catch RecordError.invalid(let problems) {
            return try await render(req, retentionProblems: problems, status: .unprocessableEntity)
        }
    }
}
