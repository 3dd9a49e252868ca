import Fluent
import Foundation
import RapportCore
import Vapor

/// The ending: planned and carried out from the client's record; kept by the client in their portal afterwards.
enum EndingPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.post("clients", ":clientID", "ending", "plan", action: .planEnding, use: plan)
        routes.post("clients", ":clientID", "ending", action: .planEnding, use: end)
        routes.post("clients", ":clientID", "ending", "resume", action: .planEnding, use: resume)
        routes.get("me", "letter", action: .viewOwnPortal, use: letter)
        routes.post("me", "reach-out-again", action: .reachOutAgain, use: reachOutAgain)
        routes.get("me", "follow-ups", ":followUpID", action: .viewOwnPortal, use: followUp)
        routes.post("me", "follow-ups", ":followUpID", action: .answerOwnFollowUp, use: answerFollowUp)
    }

    static func recordPath(_ req: Request) throws -> String {
        "/clients/\(try req.clientAccess().scope.clientID.uuidString.lowercased())#ending"
    }

    static func refused(_ req: Request, _ form: String, drafts: [String: String], problems: [FieldProblem],
                        status: HTTPResponseStatus? = nil) async throws -> Response {
        try await ClientPages.recordPage(req, contents: try await ClientPages.recordContents(req), drafts: drafts, problems: [form: problems],
                                         status: status)
    }

    @Sendable static func plan(_ req: Request) async throws -> Response {
        let fields = req.formFields()
        let drafts = ["last_session": fields["last_session"] ?? "", "follow_ups": fields["follow_ups"] ?? ""]
        var problems: [FieldProblem] = []
        var lastSession: Date?
        if let raw = fields["last_session"], !raw.isEmpty {
            lastSession = Appointments.start(date: raw, time: "12:00", in: try await req.practiceZone())
            if lastSession == nil { problems.append(FieldProblem(field: "last_session", message: "Choose a day, or leave it empty.")) }
        }
        let months = EndingRules.followUpMonths(fields["follow_ups"] ?? "")
        if months == nil {
            problems.append(FieldProblem(field: "follow_ups", message: "Give one to six different months from 1 to 24, e.g. 1, 3, 6."))
        }
        // Refused before any transaction: on SQLite a refusal inside one would send its whole batch round again.
        guard problems.isEmpty, let months else { return try await refused(req, "ending-plan-form", drafts: drafts, problems: problems) }
        if let ended = try await Endings.currentRow(clientID: try req.clientAccess().scope.clientID, on: req.db), ended.endedAt != nil {
            return try await refused(req, "ending-plan-form", drafts: drafts,
                                     problems: [FieldProblem(field: "form", message: "Therapy has already ended. Resume it to plan another ending.")],
                                     status: .conflict)
        }
        let chosenDay = lastSession
        try await req.withClientRecord { record in try await Endings.plan(lastSession: chosenDay, months: months, in: record) }
        return req.redirect(to: try recordPath(req))
    }

    @Sendable static func end(_ req: Request) async throws -> Response {
        let fields = req.formFields()
        var drafts: [String: String] = [:]
        for part in ClosingLetter.parts { drafts["letter-\(part.field)"] = fields[part.field] ?? "" }
        let letter: ClosingLetter
        switch EndingRules.letter(fields) {
        case .failure(let refusedLetter): return try await refused(req, "ending-form", drafts: drafts, problems: refusedLetter.problems)
        case .success(let value): letter = value
        }
        if let ended = try await Endings.currentRow(clientID: try req.clientAccess().scope.clientID, on: req.db), ended.endedAt != nil {
            return try await refused(req, "ending-form", drafts: drafts,
                                     problems: [FieldProblem(field: "form", message: "Therapy has already ended.")], status: .conflict)
        }
        let zone = try await req.practiceZone()
        try await req.withClientRecord { record in try await Endings.end(letter, zone: zone, in: record) }
        return req.redirect(to: try recordPath(req))
    }

    @Sendable static func resume(_ req: Request) async throws -> Response {
        guard let ended = try await Endings.currentRow(clientID: try req.clientAccess().scope.clientID, on: req.db), ended.endedAt != nil else {
            return req.redirect(to: try recordPath(req))
        }
        try await req.withClientRecord { record in try await Endings.resume(in: record) }
        return req.redirect(to: try recordPath(req))
    }

    @Sendable static func letter(_ req: Request) async throws -> Response {
        let record = try await ClientPages.ownRecord(req)
        guard let ending = try await Endings.current(in: record), ending.endedAt != nil else { throw RapportError.notFound }
        return Layout.render(ClosingLetterPage(ending: ending, therapistWords: "Written by your therapist for you to keep.",
                                               context: req.page, zone: try await req.practiceZone()))
    }

    @Sendable static func reachOutAgain(_ req: Request) async throws -> Response {
        guard let clientID = req.identity.user?.clientID else { throw RapportError.denied(.wrongRole) }
        try await req.transaction { db in
            try await Endings.reachOutAgain(in: try await req.ownRecord(.reachOutAgain, clientID: clientID, on: db))
        }
        return req.redirect(to: "/me?reached=1#therapy-ended")
    }

    // MARK: Follow-up check-ins


    @Sendable static func followUp(_ req: Request) async throws -> Response {
        let id = try req.id("followUpID")
        let record = try await ClientPages.ownRecord(req)
        do {
            let (_, view) = try await FollowUps.openOne(id, in: record)
            return Layout.render(FollowUpPage(followUp: view, context: req.page))
        } catch RecordError.notFound {
            throw RapportError.notFound
        }
    }

    /// Every item answered, or the form again with the ones missing; a risk answer is met by the crisis resources at
    /// once (and the care team is told), as in therapy.
    @Sendable static func answerFollowUp(_ req: Request) async throws -> Response {
        guard let clientID = req.identity.user?.clientID else { throw RapportError.denied(.wrongRole) }
        let id = try req.id("followUpID")
        let fields = req.formFields()
        // Not theirs, not open, or a made-up id: "not found" before any transaction.
        let record = try await ClientPages.ownRecord(req)
        let view: FollowUpView
        do { view = try await FollowUps.openOne(id, in: record).1 } catch RecordError.notFound { throw RapportError.notFound }
        let missing = view.measures.flatMap { definition in
            definition.item.filter { fields["item-\(definition.id)-\($0.linkId)"] == nil }
                .map { FieldProblem(field: "item-\(definition.id)-\($0.linkId)", message: "Please answer: \($0.text)") }
        }
        guard missing.isEmpty else {
            return Layout.render(FollowUpPage(followUp: view, context: req.page, answers: fields, problems: missing), status: .unprocessableEntity)
        }
        let risk: Bool
        do {
            risk = try await req.transaction { db in
                try await FollowUps.answer(id, fields: fields, in: try await req.ownRecord(.answerOwnFollowUp, clientID: clientID, on: db))
            }
        } catch RecordError.invalid(let problems) {
            return Layout.render(FollowUpPage(followUp: view, context: req.page, answers: fields, problems: problems), status: .unprocessableEntity)
        } catch RecordError.notFound {
            throw RapportError.notFound
        }
        if risk {
            return Layout.render(FollowUpThanksPage(crisisResources: try await req.crisisResources(), risk: true, context: req.page))
        }
        return req.redirect(to: "/me?followed=1#therapy-ended")
    }
}
