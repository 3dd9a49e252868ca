import Fluent
import Foundation
import RapportCore
import Vapor

/// Practice between sessions: agreed on the record by the care team, logged by the client from their portal in two
/// taps (how it went, then how it felt), seen on the record before the next session.
enum PracticePages {
    static func register(_ routes: any RoutesBuilder) {
        // Agree before stop: the route walks agree one, then stop it.
        routes.post("clients", ":clientID", "practice", action: .agreePractice, use: agree)
        routes.post("clients", ":clientID", "practice", "stop", action: .agreePractice, use: stop)
        routes.get("me", "practice", action: .viewOwnPortal, use: ownPractice)
        routes.post("me", "practice", "attempts", action: .logOwnPractice, use: log)
        routes.get("me", "practice", "attempts", ":attemptID", action: .viewOwnPortal, use: feelingPage)
        routes.post("me", "practice", "attempts", ":attemptID", action: .logOwnPractice, use: describe)
    }

    struct AgreementForm: Content {
        var what: String?
        var frequency: String?
        var why: String?

        var drafts: [String: String] { ["practice-what": what ?? "", "practice-frequency": frequency ?? "", "practice-why": why ?? ""] }
    }

    // MARK: The care team's side

    @Sendable static func agree(_ req: Request) async throws -> Response {
        let form = (try? req.content.decode(AgreementForm.self)) ?? AgreementForm()
        func refused(_ problems: [FieldProblem]) async throws -> Response {
            try await ClientPages.recordPage(req, contents: try await ClientPages.recordContents(req), drafts: form.drafts,
                                             problems: ["practice-form": problems])
        }
        // Refused before any transaction: on SQLite a refusal inside one would send its whole batch round again.
        let problems = PracticeRules.problems(what: form.what ?? "", frequency: form.frequency, why: form.why ?? "")
        guard problems.isEmpty else { return try await refused(problems) }
        do {
            _ = try await req.withClientRecord { record in
                try await PracticeAgreements.agree(what: form.what ?? "", frequency: form.frequency, why: form.why ?? "", in: record)
            }
            return req.redirect(to: "/clients/\(try req.clientAccess().scope.clientID.uuidString.lowercased())#practice")
        } catch RecordError.invalid(let problems) {
            return try await refused(problems)
        }
    }

    /// With nothing running (a second click, another window) the access is still recorded and nothing changes.
    @Sendable static func stop(_ req: Request) async throws -> Response {
        let clientID = try req.clientAccess().scope.clientID
        _ = try await req.withClientRecord { record in try await PracticeAgreements.stop(in: record) }
        return req.redirect(to: "/clients/\(clientID.uuidString.lowercased())#practice")
    }

    // MARK: The client's side

    @Sendable static func ownPractice(_ req: Request) async throws -> Response {
        try await ownPage(req, logged: req.query[String.self, at: "logged"] == "1")
    }

    static func ownPage(_ req: Request, logged: Bool = false, problem: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let record = try await ClientPages.ownRecord(req)
        let page = OwnPracticePage(practice: try await PracticeAgreements.current(in: record), context: req.page, now: record.now,
                                zone: try await req.practiceZone(), logged: logged, problem: problem)
        return Layout.render(page, status: status)
    }

    /// The first tap. An outcome that isn't one of the three changes nothing; with no practice running (it was
    /// stopped after the page was drawn) the page says so and nothing is written.
    @Sendable static func log(_ req: Request) async throws -> Response {
        guard let clientID = req.identity.user?.clientID else { throw RapportError.denied(.wrongRole) }
        guard let outcome = req.formFields()["outcome"].flatMap(PracticeOutcome.init(rawValue:)) else {
            return try await ownPage(req, problem: "Choose how it went: did it, tried, or not this time.", status: .unprocessableEntity)
        }
        let noPractice = "There is no practice to log right now: your therapist may have changed it. Nothing was saved."
        guard try await PracticeAgreements.runningRow(clientID: clientID, on: req.db) != nil else {
            return try await ownPage(req, problem: noPractice, status: .conflict)
        }
        do {
            let id = try await req.transaction { db in
                try await PracticeAgreements.log(outcome, in: try await req.ownRecord(.logOwnPractice, clientID: clientID, on: db))
            }
            return req.redirect(to: "/me/practice/attempts/\(id.uuidString.lowercased())")
        } catch RecordError.notFound {
            return try await ownPage(req, problem: noPractice, status: .conflict)
        }
    }


    @Sendable static func feelingPage(_ req: Request) async throws -> Response {
        let id = try req.id("attemptID")
        let record = try await ClientPages.ownRecord(req)
        do {
            return Layout.render(PracticeFeelingPage(attempt: try await PracticeAgreements.attempt(id, in: record), context: req.page))
        } catch RecordError.notFound {
            throw RapportError.notFound
        }
    }

    /// The second tap: a feeling (or "none") and the note. Anything else, or someone else's attempt, changes nothing.
    @Sendable static func describe(_ req: Request) async throws -> Response {
        guard let clientID = req.identity.user?.clientID else { throw RapportError.denied(.wrongRole) }
        let id = try req.id("attemptID")
        let fields = req.formFields()
        let note = fields["note"] ?? ""
        let feeling: PracticeFeeling?
        switch fields["feeling"] {
        case "none"?: feeling = nil
        case let raw?: guard let chosen = PracticeFeeling(rawValue: raw) else { throw RapportError.badRequest("Choose how it felt, or Done.") }
                       feeling = chosen
        case nil: throw RapportError.badRequest("Choose how it felt, or Done.")
        }
        // Someone else's id is "not found" before any transaction (a refusal inside an SQLite batch sends it round again).
        guard try await PracticeAttemptRow.query(on: req.db).filter(\.$id == id).filter(\.$clientID == clientID).count() == 1
        else { throw RapportError.notFound }
        if let problem = PracticeRules.noteProblem(note) {
            let record = try await ClientPages.ownRecord(req)
            let attempt = try await PracticeAgreements.attempt(id, in: record)
            return Layout.render(PracticeFeelingPage(attempt: attempt, context: req.page, draft: note, problems: [problem]),
                                 status: .unprocessableEntity)
        }
        do {
            try await req.transaction { db in
                try await PracticeAgreements.describe(id, feeling: feeling, note: note,
                                                      in: try await req.ownRecord(.logOwnPractice, clientID: clientID, on: db))
            }
        } catch RecordError.notFound {
            throw RapportError.notFound
        }
        return req.redirect(to: "/me/practice?logged=1#practice-logged")
    }
}
