import Fluent
import Foundation
import RapportCore
import Vapor

/// Disclosures under a limit (issue 12, point 3): the care team's ledger and form (a fresh code from the therapist's own
/// app to record one), and the client's accounting of disclosures for any period.
enum DisclosurePages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("clients", ":clientID", "disclosures", action: .viewClientRecord, use: ledger)
        routes.post("clients", ":clientID", "disclosures", action: .recordDisclosure, use: record)
        routes.post("clients", ":clientID", "disclosures", ":disclosureID", "tell", action: .recordDisclosure, use: tell)
        routes.get("me", "disclosures", action: .viewOwnPortal, use: accounting)
        routes.get("practice", "disclosures", action: .reviewWithheldDisclosures, use: withheld)
    }

    /// The form as typed (the body is at most 1 MB); the rules measure each text once trimmed, and a text too long is
    /// refused whole, never cut.
    static func input(_ fields: [String: String]) -> DisclosureRules.Input {
        DisclosureRules.Input(limit: fields["limit"] ?? "", recipient: fields["recipient"] ?? "", shared: fields["shared"] ?? "",
                              reason: fields["reason"] ?? "", withheldReason: fields["withheld_reason"] ?? "")
    }

    @Sendable static func ledger(_ req: Request) async throws -> Response {
        try await page(req, draft: nil, problems: [], recorded: req.query[String.self, at: "recorded"] != nil || req.query[String.self, at: "told"] != nil)
    }

    static func page(_ req: Request, draft: DisclosureRules.Input?, problems: [FieldProblem], recorded: Bool = false,
                     status: HTTPResponseStatus = .ok) async throws -> Response {
        let (name, disclosures, signed, names) = try await req.withClientRecord(recording: .viewClientRecord, onlyReads: true) { record in
            let list = try await Disclosures.list(in: record, clientView: false)
            return (try await record.clientName(), list, try await Consents.signature(clientID: record.clientID, on: record.db)?.version,
                    try await record.names(of: Set(list.map(\.disclosedBy))))
        }
        return Layout.render(DisclosureLedgerPage(clientID: try req.clientAccess().scope.clientID, name: name, disclosures: disclosures,
                                                  signedVersion: signed, names: names, draft: draft, problems: problems, recorded: recorded,
                                                  zone: try await req.practiceZone(), context: req.page), status: status)
    }

    @Sendable static func record(_ req: Request) async throws -> Response {
        guard let user = req.identity.user else { throw RapportError.denied(.notSignedIn) }
        let fields = req.formFields()
        let input = input(fields)
        // The words first, so a mistake in them doesn't spend a code.
        let problems = DisclosureRules.problems(input)
        guard problems.isEmpty else { return try await page(req, draft: input, problems: problems, status: .unprocessableEntity) }
        return try await AccountPages.checkingFreshCode {
            try await People(req).checkCode(fields["code"] ?? "", for: user, enrolling: false)
            // A disclosure the client is not to be told of is written to the trail under its own action, which their list leaves out.
            _ = try await req.withClientRecord(recording: input.tellsClient ? .recordDisclosure : .recordWithheldDisclosure) { record in
                try await Disclosures.record(input, in: record)
            }
            return req.redirect(to: "/clients/\(try req.clientAccess().scope.clientID.lowercasedText)/disclosures?recorded=1")
        } orAgain: { problems, status in
            try await page(req, draft: input, problems: problems, status: status)
        }
    }

    /// The hold ends: the client is told, and from now on sees the disclosure (its entry in the trail is this telling).
    @Sendable static func tell(_ req: Request) async throws -> Response {
        guard let raw = req.parameters.get("disclosureID"), raw.utf8.count <= 36, let id = UUID(uuidString: raw) else {
            throw RapportError.notFound
        }
        do {
            try await req.withClientRecord(recording: .recordDisclosure) { record in try await Disclosures.tell(id, in: record) }
        } catch RecordError.notFound {
            throw RapportError.notFound
        }
        return req.redirect(to: "/clients/\(try req.clientAccess().scope.clientID.lowercasedText)/disclosures?told=1")
    }

    /// The owner's review of disclosures kept from clients: reading each is written to the trail.
    @Sendable static func withheld(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let services = req.rapport
        let held = try await req.transaction { db in
            try await Disclosures.withheld(practiceID: actor.practiceID, by: actor, keys: services.keys, now: services.now, on: db)
        }
        let names = Dictionary(try await People(req).therapists(practiceID: actor.practiceID, on: req.db).map { ($0.id, $0.name) },
                               uniquingKeysWith: { first, _ in first })
        return Layout.render(WithheldDisclosuresPage(held: held, names: names, zone: try await req.practiceZone(), context: req.page))
    }

    // MARK: The client's accounting

    @Sendable static func accounting(_ req: Request) async throws -> Response {
        let record = try await ClientPages.ownRecord(req)
        let rawFrom = req.query[String.self, at: "from"]
        let rawTo = req.query[String.self, at: "to"]
        guard let period = Disclosures.period(from: rawFrom, to: rawTo, now: record.now) else {
            let fallback = Disclosures.period(from: nil, to: nil, now: record.now) ?? record.now...record.now
            return Layout.render(DisclosureAccountingPage(
                disclosures: try await Disclosures.list(in: record, clientView: true, period: fallback), period: fallback,
                draftFrom: String((rawFrom ?? "").prefix(10)), draftTo: String((rawTo ?? "").prefix(10)),
                problem: "Please give the dates as year-month-day (2026-01-31), the first on or before the second.",
                names: [:], zone: try await req.practiceZone(), context: req.page), status: .badRequest)
        }
        let disclosures = try await Disclosures.list(in: record, clientView: true, period: period)
        return Layout.render(DisclosureAccountingPage(
            disclosures: disclosures, period: period, draftFrom: rawFrom ?? "", draftTo: rawTo ?? "", problem: nil,
            names: try await record.names(of: Set(disclosures.map(\.disclosedBy))), zone: try await req.practiceZone(), context: req.page))
    }
}
