import Fluent
import Foundation
import Plot
import RapportCore
import Vapor

/// The owner's settings: which licensed measures the practice uses, and the crisis resources clients see.
enum SettingsPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("practice", "settings", action: .manageSettings, use: settings)
        routes.post("practice", "settings", action: .manageSettings, use: save)
    }

    @Sendable static func settings(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let enabled = try await PracticeSettings.availableMeasures(practiceID: actor.practiceID, on: req.db).map(\.id)
        let crisis = try await PracticeSettings.row(practiceID: actor.practiceID, on: req.db)?.crisisEnvelope == nil
            ? "" : try await PracticeSettings.crisisResources(practiceID: actor.practiceID, keys: req.rapport.keys, on: req.db)
        return page(req, enabled: enabled, crisis: crisis, problems: [], saved: req.query[String.self, at: "saved"] != nil)
    }

    static func page(_ req: Request, enabled: [String], crisis: String, problems: [FieldProblem], saved: Bool) -> Response {
        let licensed = InstrumentCatalogue.shipped.filter { !$0.enabledByDefault }
        let always = InstrumentCatalogue.shipped.filter(\.enabledByDefault)
        let crisisProblem = problems.first { $0.field == "crisis_resources" }
        return Layout.render("Practice settings", req.page, status: problems.isEmpty ? .ok : .unprocessableEntity,
            .p(.a(.href("/practice"), "← The practice")),
            .h1("Practice settings"),
            .if(saved, .p(.class("notice"), .attribute(named: "role", value: "status"), "Settings saved.")),
            .form(.id("settings-form"), .method(.post), .action("/practice/settings"), .class("stack"),
                .input(.type(.hidden), .name(CSRF.fieldName), .value(req.page.csrfToken)),
                .if(!problems.isEmpty, .div(.class("form-error"), .attribute(named: "role", value: "alert"),
                                            .forEach(problems) { .p(.text($0.message)) })),
                .h2("Measures"),
                .p(.text("Always available: " + always.map { "\($0.name) (\($0.title))" }.joined(separator: "; ") + ".")),
                .p(.class("muted"), "These need a licence or registration from their authors. Enable one only once your practice holds it; therapists can then choose it for their clients."),
                .forEach(licensed) { definition in
                    .div(.class("card licence"),
                         .label(.class("room-option"),
                                .input(.type(.checkbox), .name("enable-\(definition.id)"), .value("on"),
                                       .checked(enabled.contains(definition.id))),
                                .strong(.text(" \(definition.name): \(definition.title)"))),
                         .p(.class("muted"), .text(definition.licence)),
                         .p(.class("muted"), .text(definition.source)))
                },
                .h2("Crisis resources"),
                .div(.class(crisisProblem == nil ? "field" : "field has-error"),
                    .label(.for("crisis_resources"), "What a client sees when their answers suggest risk"),
                    .p(.class("hint"), "In calm, plain words: who to call, at what hours, and your practice's own arrangements. One paragraph per line. Leave empty to use Rapport's wording, shown here."),
                    .unwrap(crisisProblem) { .p(.class("error"), .text($0.message)) },
                    .textarea(.name("crisis_resources"), .id("crisis_resources"), .rows(6),
                              .attribute(named: "placeholder", value: PracticeSettings.defaultCrisisResources), .text(crisis))),
                .button(.type(.submit), .class("primary"), .text("Save settings"))
            )
        )
    }

    @Sendable static func save(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let fields = req.formFields()
        let enabled = InstrumentCatalogue.shipped.map(\.id).filter { fields["enable-\($0)"] != nil }
        let crisis = fields["crisis_resources"] ?? ""
        let services = req.rapport
        do {
            try await req.transaction { db in
                try await PracticeSettings.save(enabled: enabled, crisisResources: crisis, by: actor, keys: services.keys, now: services.now, on: db)
            }
            return req.redirect(to: "/practice/settings?saved=1")
        } catch RecordError.invalid(let problems) {
            return page(req, enabled: enabled, crisis: crisis, problems: problems, saved: false)
        }
    }
}
