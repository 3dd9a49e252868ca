import Fluent
import Foundation
import RapportCore
import Vapor

/// Reaching out: the public page (and its small version for the practice's own site), and the staff's inbox.
enum ReachOutPages {
    /// The public routes: no sign-in, no cookie, no CSRF token (there is no session to protect); spam is held off by
    /// the honeypot, a per-address limit and the size limits.
    static func registerPublic(_ routes: any RoutesBuilder) {
        routes.get("reach-out", ":slug", action: .usePublicPage) { try await page($0, embedded: false) }
        routes.post("reach-out", ":slug", action: .usePublicPage) { try await send($0, embedded: false) }
        routes.get("reach-out", ":slug", "embed", action: .usePublicPage) { try await page($0, embedded: true) }
        routes.post("reach-out", ":slug", "embed", action: .usePublicPage) { try await send($0, embedded: true) }
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get("enquiries", action: .viewEnquiries, use: inbox)
        routes.post("enquiries", "settings", action: .manageSettings, use: saveSettings)
        routes.post("enquiries", ":enquiryID", "handled", action: .handleEnquiry, use: handled)
        routes.post("enquiries", ":enquiryID", "invite", action: .inviteClient, use: invite)
        routes.post("enquiries", ":enquiryID", "reply", action: .handleEnquiry, use: reply)
    }

    // MARK: The public page

    static func practice(_ req: Request) async throws -> (String, ReachOutPractice) {
        try req.spendSignedOutBudget()
        let slug = req.parameters.get("slug") ?? ""
        guard let practice = try await Enquiries.practice(slug: slug, services: req.rapport, on: req.db) else { throw RapportError.notFound }
        return (slug, practice)
    }

    /// The small version may be framed by the one site its owner named, and by no other.
    static func render(_ page: some PageView, embedded: Bool, practice: ReachOutPractice, status: HTTPResponseStatus = .ok) -> Response {
        let response = Layout.render(page, status: status)
        if embedded, let origin = practice.frameOrigin {
            response.headers.replaceOrAdd(name: SecurityHeadersMiddleware.frameAncestorsHeader, value: origin)
        }
        return response
    }

    @Sendable static func page(_ req: Request, embedded: Bool) async throws -> Response {
        let (slug, practice) = try await practice(req)
        return render(ReachOutPage(practice: practice, slug: slug, embedded: embedded), embedded: embedded, practice: practice)
    }

    @Sendable static func send(_ req: Request, embedded: Bool) async throws -> Response {
        let (slug, practice) = try await practice(req)
        let fields = req.formFields()
        let drafts = ["message": fields["message"] ?? "", "name": fields["name"] ?? "", "route": fields["route"] ?? "",
                      "contact": fields["contact"] ?? ""]
        func again(_ problems: [FieldProblem], slowDown: Bool = false, status: HTTPResponseStatus) -> Response {
            render(ReachOutPage(practice: practice, slug: slug, embedded: embedded, drafts: drafts, problems: problems, slowDown: slowDown),
                   embedded: embedded, practice: practice, status: status)
        }
        let checked = EnquiryRules.enquiry(message: drafts["message"] ?? "", name: drafts["name"] ?? "", route: fields["route"],
                                           contact: drafts["contact"] ?? "")
        let enquiry: Enquiry
        switch checked {
        case .failure(let refused): return again(refused.problems, status: .unprocessableEntity)
        case .success(let value): enquiry = value
        }
        // Counted only once it is a real enquiry: a mistyped form is not one of the five.
        guard req.rapport.enquiryThrottle.allow(req.clientAddress, now: req.rapport.now) else {
            return again([], slowDown: true, status: .tooManyRequests)
        }
        // A robot filled the field people never see: it is thanked like anyone, and nothing is kept.
        if !(fields["website"] ?? "").isEmpty {
            req.logger.notice("reach-out honeypot filled: nothing kept")
            return render(ReachOutThanksPage(practice: practice, route: enquiry.route, embedded: embedded), embedded: embedded, practice: practice)
        }
        let services = req.rapport
        _ = try await req.transaction { db in try await Enquiries.receive(enquiry, practiceID: practice.practiceID, services: services, on: db) }
        return render(ReachOutThanksPage(practice: practice, route: enquiry.route, embedded: embedded), embedded: embedded, practice: practice)
    }

    // MARK: The inbox

    @Sendable static func inbox(_ req: Request) async throws -> Response {
        try await inboxPage(req, saved: req.query[String.self, at: "saved"] == "1")
    }

    /// Every view of the inbox is an access to what strangers wrote in confidence: it goes into the audit trail.
    static func inboxPage(_ req: Request, drafts: [String: String] = [:], problems: [String: [FieldProblem]] = [:], saved: Bool = false)
        async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let services = req.rapport
        let (enquiries, page) = try await req.transaction { db -> ([EnquiryView], ReachOutPageRow?) in
            let enquiries = try await Enquiries.inbox(practiceID: actor.practiceID, services: services, on: db)
            try await AuditWriter.append(.access(by: actor, .viewEnquiries, clientID: nil, resource: actor.practiceID), at: services.now, on: db)
            return (enquiries, try await Enquiries.page(practiceID: actor.practiceID, on: db))
        }
        let view = EnquiriesPage(enquiries: enquiries, page: page, baseURL: services.configuration.baseURL, canInvite: actor.has(.therapist),
                                 isOwner: actor.has(.owner), context: req.page, zone: try await req.practiceZone(), drafts: drafts,
                                 problems: problems, saved: saved)
        return Layout.render(view, status: problems.isEmpty ? .ok : .unprocessableEntity)
    }

    @Sendable static func saveSettings(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let fields = req.formFields()
        let drafts = ["slug": fields["slug"] ?? "", "frame_origin": fields["frame_origin"] ?? "", "retention_days": fields["retention_days"] ?? ""]
        let now = req.rapport.now
        do {
            try await req.transaction { db in
                try await Enquiries.savePage(slug: drafts["slug"] ?? "", frameOrigin: drafts["frame_origin"] ?? "",
                                             retentionDays: drafts["retention_days"] ?? "", by: actor, now: now, on: db)
            }
        } catch RecordError.invalid(let problems) {
            return try await inboxPage(req, drafts: drafts, problems: ["reach-out-settings": problems])
        }
        return req.redirect(to: "/enquiries?saved=1#reach-out-settings")
    }


    @Sendable static func handled(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let id = try req.id("enquiryID")
        guard let choice = req.formFields()["handled"], ["yes", "no"].contains(choice) else {
            throw RapportError.badRequest("Choose handled or new.")
        }
        guard try await Enquiries.isOpen(id, practiceID: actor.practiceID, on: req.db) else { throw RapportError.notFound }
        let now = req.rapport.now
        do {
            try await req.transaction { db in
                try await Enquiries.mark(id, handled: choice == "yes", by: actor, now: now, on: db)
                try await AuditWriter.append(.access(by: actor, .handleEnquiry, clientID: nil, resource: id), at: now, on: db)
            }
        } catch RecordError.notFound {
            throw RapportError.notFound
        }
        return req.redirect(to: "/enquiries#enquiry-\(id.uuidString.lowercased())")
    }

    /// Answers an email enquiry by email (read, someone will be in touch) and marks it handled, in one transaction.
    @Sendable static func reply(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let id = try req.id("enquiryID")
        guard try await Enquiries.isOpen(id, practiceID: actor.practiceID, on: req.db) else { throw RapportError.notFound }
        let services = req.rapport
        do {
            try await req.transaction { db in
                try await Enquiries.replyByEmail(id, by: actor, services: services, on: db)
                try await AuditWriter.append(.access(by: actor, .handleEnquiry, clientID: nil, resource: id), at: services.now, on: db)
            }
        } catch RecordError.notFound {
            throw RapportError.notFound
        }
        return req.redirect(to: "/enquiries#enquiry-\(id.uuidString.lowercased())")
    }

    /// One step: the client's record, their invitation (its link shown, and emailed when a mail server is set), and
    /// the enquiry sealed into their record; all in one transaction.
    @Sendable static func invite(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let id = try req.id("enquiryID")
        guard try await Enquiries.isOpen(id, practiceID: actor.practiceID, on: req.db) else { throw RapportError.notFound }
        let form = try req.content.decode(PeoplePages.InviteForm.self)
        let formID = "invite-\(id.uuidString.lowercased())"
        let services = req.rapport
        do {
            let invitation = try await People(req).inviteClient(by: actor, name: form.name ?? "", email: form.email ?? "") { clientID, db in
                try await Enquiries.attach(id, toClient: clientID, by: actor, services: services, on: db)
            }
            return Layout.render(InvitationCreatedPage(who: form.name ?? "", link: invitation.link, expiresAt: invitation.expiresAt,
                                                       back: "/enquiries", context: req.page))
        } catch RecordError.invalid(let problems) {
            return try await inboxPage(req, drafts: ["\(formID)-name": form.name ?? "", "\(formID)-email": form.email ?? ""],
                                       problems: [formID: problems])
        } catch RecordError.notFound {
            throw RapportError.notFound
        }
    }
}
