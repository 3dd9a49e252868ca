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
        guard req.identity.actor != nil else { throw RapportError.denied(.notSignedIn) }
        let settings = try await req.practiceSettings()
        let enabled = PracticeSettings.availableMeasures(settings).map(\.id)
        // The box shows the owner's own words only; empty means Rapport's wording, shown as the placeholder.
        let crisis = settings?.crisisEnvelope == nil ? "" : try await req.crisisResources()
        let chosen = settings?.timeZone
        return page(req, enabled: enabled, crisis: crisis, timeZone: chosen, replyTime: ReplyTime.stored(settings?.replyWithinHours).hours,
                    problems: [], saved: req.query[String.self, at: "saved"] != nil)
    }

    static func page(_ req: Request, enabled: [String], crisis: String, timeZone chosen: String?, replyTime: Int?, problems: [FieldProblem],
                     saved: Bool) -> Response {
        let page = SettingsPage(enabled: enabled, crisis: crisis, timeZone: chosen ?? req.rapport.configuration.timeZone.identifier,
                                timeZoneChosen: chosen != nil, replyTime: replyTime, problems: problems, saved: saved, context: req.page)
        return Layout.render(page, status: problems.isEmpty ? .ok : .unprocessableEntity)
    }

    @Sendable static func save(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let fields = req.formFields()
        let enabled = InstrumentCatalogue.shipped.map(\.id).filter { fields["enable-\($0)"] != nil }
        let crisis = fields["crisis_resources"] ?? ""
        let timeZone = fields["time_zone"]
        let replyTime = fields["reply_within_hours"]
        let services = req.rapport
        do {
            try await req.transaction { db in
                try await PracticeSettings.save(enabled: enabled, crisisResources: crisis, timeZone: timeZone, replyTime: replyTime, by: actor,
                                                keys: services.keys, now: services.now, on: db)
            }
            return req.redirect(to: "/practice/settings?saved=1")
        } catch RecordError.invalid(let problems) {
            return page(req, enabled: enabled, crisis: crisis, timeZone: timeZone, replyTime: ReplyTime.chosen(replyTime)?.hours,
                        problems: problems, saved: false)
        }
    }
}
