import Foundation
import Plot
import RapportCore

/// One session on a client's record: move it, change its length or place, or cancel it. Cancelling asks once more,
/// saying exactly what the client will see, because the client's phone shows it at once.
struct SessionPage: PageView {
    let clientName: String
    let clientID: UUID
    let session: AppointmentView
    let now: Date
    let zone: TimeZone
    let context: PageContext
    var drafts: [String: String] = [:]
    var problems: [FieldProblem] = []
    /// Set when the therapist asked to cancel: the confirmation step, for this kind of cancellation.
    var confirming: Cancellation?
    /// Why the session can't change (already started, already cancelled), shown instead of the forms.
    var refusal: String?

    var title: String { "Session with \(clientName)" }
    /// The two forms side by side on a desk.
    var isWide: Bool { true }
    var base: String { "/clients/\(clientID.uuidString.lowercased())" }
    var sessionPath: String { "\(base)/appointments/\(session.id.uuidString.lowercased())" }
    var firstName: String { InputRules.firstName(of: clientName) }
    var when: String { Formats.when(session.startsAt, in: zone) }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("\(base)#sessions"), .plain("← \(clientName)'s record"))),
            .h1(.plain("Session on \(when)")),
            .p(.class("lead"), .plain("\(session.durationMinutes) minutes\(session.location.map { " · \($0)" } ?? "")"),
               .unwrap(session.cancellation) { .plain(" · \($0.display)") }),
            .unwrap(refusal) { .p(.class("form-error"), .attribute(named: "role", value: "alert"), .plain($0)) },
            .if(refusal == nil && !session.cancelled && session.startsAt > now, confirming == nil ? forms : confirmation)
        )
    }

    var forms: Node<HTML.BodyContext> {
        .div(.class("pair"),
            .section(.class("card"), .attribute(named: "aria-labelledby", value: "change-title"),
                .h2(.id("change-title"), "Move it or change it"),
                FormParts.form(id: "change-form", action: sessionPath, context, problems: problems, submit: "Save the change",
                    FormParts.field("date", label: "Date", type: .date, value: drafts["date"] ?? Formats.dateField(session.startsAt, in: zone),
                                    problems: problems),
                    FormParts.field("time", label: "Time (\(zone.identifier))", type: .time,
                                    value: drafts["time"] ?? Formats.timeField(session.startsAt, in: zone), problems: problems),
                    FormParts.field("length", label: "Length in minutes", type: .number, value: drafts["length"] ?? "\(session.durationMinutes)",
                                    problems: problems, extra: [.attribute(named: "min", value: "10"), .attribute(named: "max", value: "240")]),
                    FormParts.field("location", label: "Place or video link (optional)", value: drafts["location"] ?? (session.location ?? ""),
                                    problems: problems, required: false)),
                .p(.class("muted"), .plain("\(firstName) sees the new time in their sessions and calendar straight away, marked as moved from \(when). Their check-ins move with it."))),
            .section(.class("card"), .attribute(named: "aria-labelledby", value: "cancel-title"),
                .h2(.id("cancel-title"), "Cancel it"),
                .form(.id("cancel-form"), .method(.post), .action("\(sessionPath)/cancel"), .class("stack"),
                      .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                      .fieldset(.element(named: "legend", nodes: [Node<HTML.FormContext>.plain("How was it cancelled?")]),
                          .forEach(Cancellation.allCases) { kind in
                              .label(.class("room-option"),
                                     .input(.type(.radio), .name("cancellation"), .value(kind.rawValue), .required(true)),
                                     .plain(kind == .inGoodTime ? " In good time" : " Late: counts as a late cancellation"))
                          }),
                      .button(.type(.submit), .class("primary"), "Continue")),
                .p(.class("muted"), "You'll see what the client will see before anything changes."))
        )
    }

    var confirmation: Node<HTML.BodyContext> {
        let kind = confirming ?? .inGoodTime
        return .section(.class("card"), .id("confirm-cancel"), .attribute(named: "aria-labelledby", value: "confirm-title"),
            .h2(.id("confirm-title"), .plain("Cancel the session on \(when)?")),
            .p(.plain("\(firstName) will see it in their sessions as “\(kind.clientDisplay)”, and their calendar will show it as cancelled. No check-in will be asked for it.")),
            .p(.plain(kind == .late
                ? "On this record it stays in the history as “Cancelled late”, which counts as a late cancellation."
                : "On this record it stays in the history as “Cancelled in good time”.")),
            .form(.method(.post), .action("\(sessionPath)/cancel"), .class("inline"),
                  .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                  .input(.type(.hidden), .name("cancellation"), .value(kind.rawValue)),
                  .input(.type(.hidden), .name("confirm"), .value("yes")),
                  .button(.type(.submit), .class("primary"), "Yes, cancel the session")),
            .p(.a(.href(sessionPath), "No, keep it")))
    }
}
