import NIOConcurrencyHelpers
import Foundation
import Plot
import RapportCore

/// How dates read on every page.
enum Formats {
    /// Practice-local date and time, e.g. "Tue 1 Dec 2026, 14:00".
    ///
    /// Remembered: a caseload shows each client's next session on every view, and formatting one was a twentieth
    /// of the page's time (`perf record` under `scripts/bench --at-size`). Only times and zone names are kept,
    /// nothing about anyone, and the memory is bounded.
    /// Typed text as its lines, for one paragraph each. A browser sends a box's line breaks as CRLF, which Swift
    /// counts as one character: any line break splits, and empty lines are dropped.
    static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map(String.init)
    }

    static func when(_ date: Date, in zone: TimeZone) -> String {
        let key = WhenKey(time: date.timeIntervalSinceReferenceDate, zone: zone.identifier)
        if let known = formatted.withLockedValue({ $0[key] }) { return known }
        var style = Date.FormatStyle(date: .abbreviated, time: .shortened)
        style.timeZone = zone
        let text = date.formatted(style)
        formatted.withLockedValue { known in
            if known.count >= 20_000 { known.removeAll(keepingCapacity: true) }
            known[key] = text
        }
        return text
    }

    private struct WhenKey: Hashable {
        let time: Double
        let zone: String
    }

    private static let formatted = NIOLockedValueBox<[WhenKey: String]>([:])

    /// A day in words, in the practice's zone: "4 December 2026".
    static func dateLong(_ date: Date, in zone: TimeZone) -> String {
        var style = Date.FormatStyle(date: .long, time: .omitted)
        style.timeZone = zone
        return date.formatted(style)
    }

    /// The practice-local date and time as a date and a time field hold them ("2026-12-01", "14:00").
    static func dateField(_ date: Date, in zone: TimeZone) -> String {
        let c = calendar(zone).dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    static func timeField(_ date: Date, in zone: TimeZone) -> String {
        let c = calendar(zone).dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
    }

    private static func calendar(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }
}

extension String {
    /// "Total below 36" → "total below 36", for joining sentences.
    var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}

/// "Tue 1 Dec 2026, 14:00 · 50 min · Room 2": a booked session, as both the therapist and the client see it, with
/// what happened to it: moved (from when), cancelled (in the reader's words).
enum SessionLine {
    static func node(_ session: AppointmentView, when: String, minutes: String, zone: TimeZone, forClient: Bool = false) -> Node<HTML.BodyContext> {
        .group(
            .p(.strong(.plain(when)), .plain(" · \(session.durationMinutes) \(minutes)"),
               .unwrap(session.location) { .plain(" · \($0)") }),
            status(session, forClient: forClient),
            .if(!session.cancelled, .unwrap(session.movedFrom) { from in
                .p(.class("status moved"), .plain("Moved from \(Formats.when(from, in: zone))"))
            }))
    }

    /// "Cancelled late" (the therapist's words) or "Cancelled at short notice" (the client's), or nothing.
    static func status(_ session: AppointmentView, forClient: Bool = false) -> Node<HTML.BodyContext> {
        .unwrap(session.cancellation) { cancellation in
            .p(.class("status cancelled-status"), .plain(forClient ? cancellation.clientDisplay : cancellation.display))
        }
    }
}

/// One note, as the record and the note's own page show it.
enum NoteCard {
    static func node(_ note: NoteView, href: String, zone: TimeZone) -> Node<HTML.BodyContext> {
        .article(.class(note.kind == .psychotherapy ? "note private" : "note"), .id("note-\(note.id.uuidString.lowercased())"),
            .p(.class("meta"), .a(.href(href), .plain(Formats.when(note.createdAt, in: zone)))),
            .p(.class("note-body"), .plain(note.body)))
    }
}

/// The practice's crisis resources in calm words, one paragraph per line the owner wrote.
enum CrisisCard {
    static func node(_ text: String, opening: String) -> Node<HTML.BodyContext> {
        .div(.class("card support"), .id("crisis-resources"), .attribute(named: "role", value: "note"),
            .p(.plain(opening)),
            .forEach(Formats.lines(text).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) { .p(.plain($0)) })
    }
}

/// The client's open check-ins, each a link to its first question. Clients never see a measure's code: each says
/// what it is about in plain words (`clientTitle`).
enum CheckInList {
    static func node(_ items: [DueCheckIn], zone: TimeZone) -> Node<HTML.BodyContext> {
        .ul(.class("plain check-ins"), .forEach(items) { item in
            let (entry, definition, session) = (item.planned, item.definition, item.session)
            let when = session.map { Formats.when($0.start, in: zone) } ?? ""
            let label = definition.purpose == .outcome
                ? "\(entry.state == .overdue ? "For" : "Before") your session on \(when): \(definition.clientTitle) (\(definition.item.count) questions)"
                : "How your session on \(when) felt: \(definition.item.count) quick ratings"
            return .li(.a(.class("check-in-link"), .href("/me/check-ins/\(entry.appointmentID.uuidString.lowercased())/\(definition.id)"),
                          .plain(label), .span(.class("muted"), .plain(entry.state == .overdue ? " · still open" : ""))))
        })
    }
}

extension Formats {
    /// A lifetime in whole days, as forms say how long a link works.
    static func days(_ interval: TimeInterval) -> Int { Int((interval / 86400).rounded()) }
}

/// Invitations not yet accepted, each with when it was sent and when its link stops working, the link itself
/// (to pass on again), a new link, or withdrawing it. `actions` is where the forms post: `/practice/invitations` or
/// `/clients/invitations`.
enum WaitingInvitations {
    static func node(_ invitations: [People.WaitingInvitation], actions: String, now: Date, zone: TimeZone,
                     context: PageContext) -> Node<HTML.BodyContext> {
        guard !invitations.isEmpty else { return .empty }
        return .section(.id("waiting-invitations"),
            .h2("Invitations waiting"),
            .ul(.class("plain card invitations"), .forEach(invitations) { invitation in
                let id = invitation.id.uuidString.lowercased()
                let expired = invitation.hasExpired(at: now)
                return .li(.class(expired ? "invitation expired" : "invitation"), .id("invitation-\(id)"),
                    .p(.strong(.plain(invitation.name)), .plain(" · \(invitation.email)")),
                    .p(.class("muted"), .plain("Sent \(Formats.when(invitation.sentAt, in: zone)). "
                        + (expired ? "The link expired on \(Formats.when(invitation.expiresAt, in: zone)): make a new one to send."
                                   : "The link works until \(Formats.when(invitation.expiresAt, in: zone))."))),
                    .if(!expired, .unwrap(invitation.link) { link in
                        .element(named: "details", nodes: [
                            .element(named: "summary", text: "Show the link again"),
                            .input(.type(.text), .value(Markup.attribute(link)), .attribute(named: "readonly", value: "readonly"), .class("link-out"),
                                   .id("link-\(id)"), .attribute(named: "aria-label", value: Markup.attribute("Invitation link for \(invitation.name)"))),
                            .p(.class("hint"), "Copy it into a message you trust."),
                            CopyButton.node(target: "link-\(id)"),
                        ])
                    }),
                    .div(.class("invitation-actions"),
                        .form(.method(.post), .action("\(actions)/\(id)/reissue"), .class("inline"),
                              .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                              .button(.type(.submit), .class("link-button"), .plain(expired ? "Make a new link" : "Make a new link (this one stops working)"))),
                        .form(.method(.post), .action("\(actions)/\(id)/withdraw"), .class("inline"),
                              .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                              .button(.type(.submit), .class("link-button"), .plain("Withdraw")))))
            }))
    }
}
