import Foundation
import Plot
import RapportCore

/// One client's thread with their care team, as either side sees it: the messages oldest first (so the newest is
/// beside the box to answer it), a plain line that messages are not for emergencies with the crisis resources, how
/// soon the practice replies, and the box to write in. Rendered without a request, so a test can draw it whole.
struct MessagesPage: PageView {
    enum Viewer: Sendable, Equatable {
        /// The client, in their portal.
        case client
        /// A therapist on the care team; the client's name and record id for the heading and the way back.
        case careTeam(clientName: String, clientID: UUID)
    }

    let viewer: Viewer
    let messages: [MessageView]
    let replyTime: ReplyTime
    let crisisResources: String
    let context: PageContext
    let zone: TimeZone
    /// A refused message keeps its words in the box, with the reason above it.
    var draft = ""
    var problems: [FieldProblem] = []
    /// Just sent: a quiet confirmation.
    var sent = false
    /// The client's safety plan, beside the crisis resources.
    var safetyPlan: SafetyPlanView? = nil

    var title: String {
        switch viewer {
        case .client: return "Messages"
        case .careTeam(let name, _): return "Messages with \(name)"
        }
    }

    var isClient: Bool { viewer == .client }

    var formAction: String {
        switch viewer {
        case .client: return "/me/messages"
        case .careTeam(_, let clientID): return "/clients/\(clientID.uuidString.lowercased())/messages"
        }
    }

    var content: Node<HTML.BodyContext> {
        .group(
            backLink,
            .h1(.plain(isClient ? "Messages with your care team" : title)),
            emergencyNote,
            thread,
            // Beside the box the sender lands on (`#message-form`), under their message.
            .if(sent, .p(.class("notice"), .id("message-sent"), .attribute(named: "role", value: "status"), .plain(isClient
                ? "Sent. Your care team will reply \(replyTime.words)."
                : "Sent. The client reads it in their own space; any notice they get says only that a message is waiting."))),
            form,
            crisisPart
        )
    }

    private var backLink: Node<HTML.BodyContext> {
        switch viewer {
        case .client: return .p(.a(.href("/me"), "← Your space"))
        case .careTeam(let name, let clientID):
            return .p(.a(.href("/clients/\(clientID.uuidString.lowercased())"), .plain("← \(name)'s record")))
        }
    }

    /// Said before anything else on the client's side, every time: a message can wait days, a crisis can't. The line
    /// is short so the thread stays in sight on a phone; the resources themselves close the page, a tap away.
    private var emergencyNote: Node<HTML.BodyContext> {
        if isClient {
            return .div(.class("card support"), .id("not-for-emergencies"), .attribute(named: "role", value: "note"),
                        .p(.strong("Messages are not for emergencies."),
                           .plain(" Your care team reads them in working hours and replies \(replyTime.words). If you need help now, don't wait for a reply: "),
                           .a(.href("#crisis-resources"), "help, any time"), .plain(".")))
        }
        return .p(.class("muted"), .id("not-for-emergencies"),
                  .plain("The client reads, every time they write, that messages are not for emergencies, with the crisis resources, and that the practice replies \(replyTime.words)."))
    }

    private var crisisPart: Node<HTML.BodyContext> {
        guard isClient else { return .empty }
        return .group(.h2("Help, any time"),
                      SafetyPlanCard.node(safetyPlan, open: false),
                      CrisisCard.node(crisisResources, opening: "If you need someone now, you don't have to wait for a reply or for your next session."))
    }

    private var thread: Node<HTML.BodyContext> {
        guard !messages.isEmpty else {
            return .p(.class("card muted"), .id("thread"), .plain(isClient
                ? "No messages yet. You can write to your therapist here: about arrangements, or something you'd like them to know before your next session."
                : "No messages yet. What you write here, the client reads in their own space."))
        }
        return .ol(.class("thread"), .id("thread"), .attribute(named: "aria-label", value: "Messages, oldest first"),
                   .forEach(messages) { message in
            // The client's side and the care team's; "You" only for the viewer's own words (a care team can be two).
            let ourSide = message.fromClient == isClient
            let own = ourSide && (isClient || message.authorID == context.identity.actor?.userID)
            return .li(.class(ourSide ? "message mine" : "message theirs"),
                       .p(.class("message-meta"),
                          .strong(.plain(own ? "You" : message.authorName)),
                          .plain(" · "),
                          .span(.class("muted"), .plain(Formats.when(message.createdAt, in: zone)))),
                       .div(.class("message-body"), .forEach(Formats.lines(message.body)) { .p(.plain($0)) }))
        })
    }

    private var form: Node<HTML.BodyContext> {
        let problem = problems.first { $0.field == "body" }
        return .form(.id("message-form"), .method(.post), .action(formAction), .class("stack card"),
            .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
            .div(.class(problem == nil ? "field" : "field has-error"),
                 .label(.for("message-body"), .plain(isClient ? "Write to your care team" : "Write to the client")),
                 .p(.class("hint"), .id("message-hint"), .plain(isClient
                    ? "Only your care team can read it. They reply \(replyTime.words)."
                    : "Sealed under the client's key; the client is told only that there is a new message.")),
                 .unwrap(problem) { .p(.class("error"), .id("message-error"), .plain($0.message)) },
                 .textarea(.name("body"), .id("message-body"), .rows(5),
                           .attribute(named: "maxlength", value: String(MessageRules.maximumLength)),
                           .attribute(named: "aria-describedby", value: problem == nil ? "message-hint" : "message-hint message-error"),
                           .plain(draft))),
            .button(.type(.submit), .class("primary"), .plain("Send")))
    }
}
