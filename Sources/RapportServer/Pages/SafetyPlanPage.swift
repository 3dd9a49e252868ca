import Foundation
import Plot
import RapportCore

/// The safety plan as either side sees it: the plan as saved, then the form to change it (every part, each with what
/// to write in it), and for the client the crisis resources below. Rendered without a request.
struct SafetyPlanPage: PageView {
    let viewer: MessagesPage.Viewer
    let current: SafetyPlanView?
    let crisisResources: String
    let context: PageContext
    let zone: TimeZone
    /// A refused save keeps its words in the boxes, with the reasons beside them.
    var draft: [String: String]? = nil
    var problems: [FieldProblem] = []
    /// The other side saved a newer version meanwhile: said above the form.
    var conflict: String? = nil
    var saved = false
    /// The version a refused form was written over, kept so that fixing it still can't save over a newer one unseen;
    /// nil: the version shown.
    var basedOn: Int? = nil

    var isClient: Bool { viewer == .client }

    var title: String {
        switch viewer {
        case .client: return "Your safety plan"
        case .careTeam(let name, _): return "Safety plan with \(name)"
        }
    }

    var formAction: String {
        switch viewer {
        case .client: return "/me/safety-plan"
        case .careTeam(_, let clientID): return "/clients/\(clientID.uuidString.lowercased())/safety-plan"
        }
    }

    var content: Node<HTML.BodyContext> {
        .group(
            backLink,
            .h1(.plain(title)),
            .p(.class("lead"), .plain(isClient
                ? "A plan you make with your therapist for the moments when things get hard: what to look out for, what helps, who to turn to. Change it whenever you like; your therapist sees each version."
                : "Written together, in the client's words. Either of you can change it; each save is kept as a version, and the other is told.")),
            .if(saved, .p(.class("notice"), .attribute(named: "role", value: "status"), "Saved.")),
            .unwrap(current) { current in
                .group(
                    .h2("The plan as it stands"),
                    SafetyPlanCard.sections(current.plan),
                    .p(.class("muted"), .plain("Version \(current.version), saved \(Formats.when(current.savedAt, in: zone)) by \(author(current)).")))
            },
            form,
            .if(isClient, .group(.h2("Help, any time"),
                                 CrisisCard.node(crisisResources, opening: "If you need someone now, you don't have to wait for your next session.")))
        )
    }

    /// Who saved a version, as the viewer knows them: "you" only for their own saves (a care team can be two).
    func author(_ version: SafetyPlanView) -> String {
        if let writer = version.writtenBy, writer == context.identity.actor?.userID { return "you" }
        if version.byClient { return isClient ? "you" : "the client" }
        return isClient ? "your therapist" : "another member of the care team"
    }

    private var backLink: Node<HTML.BodyContext> {
        switch viewer {
        case .client: return .p(.a(.href("/me"), "← Your space"))
        case .careTeam(let name, let clientID):
            return .p(.a(.href("/clients/\(clientID.uuidString.lowercased())"), .plain("← \(name)'s record")))
        }
    }

    private var form: Node<HTML.BodyContext> {
        let values = draft ?? current?.plan.parts ?? [:]
        let heading = current == nil ? (isClient ? "Write your plan" : "Write the plan together") : "Change the plan"
        return .form(.id("safety-plan-form"), .method(.post), .action(formAction), .class("stack card"),
            .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
            .input(.type(.hidden), .name("based_on"), .value(String(basedOn ?? current?.version ?? 0))),
            .h2(.plain(heading)),
            .unwrap(conflict) { .div(.class("form-error"), .attribute(named: "role", value: "alert"), .p(.plain($0))) },
            .forEach(SafetyPlan.sections) { section in
                let problem = problems.first { $0.field == section.id }
                return .div(.class(problem == nil ? "field" : "field has-error"),
                    .label(.for("plan-\(section.id)"), .plain(section.title)),
                    .p(.class("hint"), .id("plan-\(section.id)-hint"), .plain(section.prompt)),
                    .unwrap(problem) { .p(.class("error"), .id("plan-\(section.id)-error"), .plain($0.message)) },
                    .textarea(.name(section.id), .id("plan-\(section.id)"), .rows(3),
                              .attribute(named: "aria-describedby", value: problem == nil ? "plan-\(section.id)-hint"
                                         : "plan-\(section.id)-hint plan-\(section.id)-error"),
                              .plain(values[section.id] ?? "")))
            },
            .button(.type(.submit), .class("primary"), .plain("Save the plan")))
    }
}

/// The client's safety plan where the crisis resources are: before them, so their own steps come first.
enum SafetyPlanCard {
    /// The written parts, each under its title; parts left empty are left out.
    static func sections(_ plan: SafetyPlan) -> Node<HTML.BodyContext> {
        .div(.class("card safety-plan"), .id("safety-plan"),
             .forEach(SafetyPlan.sections.filter { !plan.text($0.id).isEmpty }) { section in
                 .group(.h3(.plain(section.title)),
                        .forEach(Formats.lines(plan.text(section.id))) { .p(.plain($0)) })
             })
    }

    /// For the client's pages with crisis resources: their plan, open when `open` (after a risk answer), with the
    /// way to change it; nothing before there is a plan.
    static func node(_ current: SafetyPlanView?, open: Bool) -> Node<HTML.BodyContext> {
        guard let current else { return .empty }
        var nodes: [Node<HTML.BodyContext>] = [
            .attribute(named: "class", value: "card safety-plan-summary"),
            .attribute(named: "id", value: "your-safety-plan"),
        ]
        if open { nodes.append(.attribute(named: "open", value: "open")) }
        nodes += [
            .element(named: "summary", text: "Your safety plan"),
            sections(current.plan),
            .p(.a(.href("/me/safety-plan"), "Open or change your plan")),
        ]
        return .element(named: "details", nodes: nodes)
    }
}
