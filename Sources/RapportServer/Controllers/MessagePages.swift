import Fluent
import Foundation
import RapportCore
import Vapor

/// Secure messages: a client's thread with their care team, from the record (therapists) and from the portal (the
/// client). Opening the thread marks the other side's messages read, so each access writes and is one transaction.
enum MessagePages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("clients", ":clientID", "messages", action: .listMessages, use: careTeamThread)
        routes.post("clients", ":clientID", "messages", action: .writeMessage, use: careTeamWrite)
        routes.get("me", "messages", action: .viewOwnPortal, use: ownThread)
        routes.post("me", "messages", action: .writeOwnMessage, use: ownWrite)
    }

    struct MessageForm: Content { var body: String? }

    // MARK: The care team's side

    @Sendable static func careTeamThread(_ req: Request) async throws -> Response {
        try await careTeamPage(req, sent: req.query[String.self, at: "sent"] == "1")
    }

    /// The thread as a therapist sees it; recorded as a look at the messages, whichever route shows it.
    static func careTeamPage(_ req: Request, draft: String = "", problems: [FieldProblem] = [], sent: Bool = false) async throws -> Response {
        let (name, messages) = try await req.withClientRecord(recording: .listMessages) { record -> (String, [MessageView]) in
            let name = try await record.clientName()
            try await Messages.markRead(byClient: false, in: record)
            return (name, try await Messages.thread(in: record))
        }
        let page = MessagesPage(viewer: .careTeam(clientName: name, clientID: try req.clientAccess().scope.clientID), messages: messages,
                                replyTime: try await req.replyTime(), crisisResources: "", context: req.page,
                                zone: try await req.practiceZone(), draft: draft, problems: problems, sent: sent)
        return Layout.render(page, status: problems.isEmpty ? .ok : .unprocessableEntity)
    }

    @Sendable static func careTeamWrite(_ req: Request) async throws -> Response {
        let body = (try? req.content.decode(MessageForm.self))?.body ?? ""
        // Refused before any transaction: on SQLite a refusal inside one would send its whole batch round again.
        if let problem = MessageRules.problem(body) { return try await careTeamPage(req, draft: body, problems: [problem]) }
        do {
            _ = try await req.withClientRecord { record in try await Messages.write(body, fromClient: false, in: record) }
            return req.redirect(to: "/clients/\(try req.clientAccess().scope.clientID.uuidString.lowercased())/messages?sent=1#message-sent")
        } catch RecordError.invalid(let problems) {
            return try await careTeamPage(req, draft: body, problems: problems)
        }
    }

    // MARK: The client's side

    @Sendable static func ownThread(_ req: Request) async throws -> Response {
        try await ownPage(req, sent: req.query[String.self, at: "sent"] == "1")
    }

    static func ownPage(_ req: Request, draft: String = "", problems: [FieldProblem] = [], sent: Bool = false) async throws -> Response {
        guard let clientID = req.identity.user?.clientID else { throw RapportError.denied(.wrongRole) }
        let (messages, plan) = try await req.transaction { db in
            let record = try await req.ownRecord(.viewOwnPortal, clientID: clientID, on: db)
            try await Messages.markRead(byClient: true, in: record)
            return (try await Messages.thread(in: record), try await SafetyPlans.current(in: record))
        }
        let page = MessagesPage(viewer: .client, messages: messages, replyTime: try await req.replyTime(),
                                crisisResources: try await req.crisisResources(), context: req.page,
                                zone: try await req.practiceZone(), draft: draft, problems: problems, sent: sent, safetyPlan: plan)
        return Layout.render(page, status: problems.isEmpty ? .ok : .unprocessableEntity)
    }

    @Sendable static func ownWrite(_ req: Request) async throws -> Response {
        guard let clientID = req.identity.user?.clientID else { throw RapportError.denied(.wrongRole) }
        let body = (try? req.content.decode(MessageForm.self))?.body ?? ""
        if let problem = MessageRules.problem(body) { return try await ownPage(req, draft: body, problems: [problem]) }
        do {
            _ = try await req.transaction { db in
                try await Messages.write(body, fromClient: true, in: try await req.ownRecord(.writeOwnMessage, clientID: clientID, on: db))
            }
            return req.redirect(to: "/me/messages?sent=1#message-sent")
        } catch RecordError.invalid(let problems) {
            return try await ownPage(req, draft: body, problems: problems)
        }
    }
}

extension Request {
    /// How soon the practice replies to messages, as its owner set it.
    func replyTime() async throws -> ReplyTime {
        ReplyTime.stored(try await practiceSettings()?.replyWithinHours)
    }
}
