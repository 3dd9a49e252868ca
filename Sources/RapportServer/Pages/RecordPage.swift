import Foundation
import Plot
import RapportCore

/// A client's record as their therapist sees it. The data is loaded by `Model.load(in:)` from the opened record;
/// the view is a value that needs no request (time zone, clock and the page's frame come in), so a test can render
/// it whole.
struct RecordPage: PageView {
    struct Model: Sendable {
        let name: String
        let progressNotes: [NoteView]
        let psychotherapyNotes: [NoteView]
        let appointments: [AppointmentView]
        let checkIns: CheckInSummary
        let ruptures: RuptureSummary

        /// Everything the record page shows, read with the record's one unwrapped key. `available` are the
        /// practice's measures, from the settings the page has read anyway.
        static func load(available: [InstrumentDefinition], in record: ClientRecord) async throws -> Model {
            guard let client = try await ClientRow.find(record.clientID, on: record.db) else { throw RecordError.notFound }
            let appointments = try await Appointments.all(in: record)
            let checkIns = try await CheckInSummary.load(sessions: appointments.map(\.slot), available: available, in: record)
            return Model(
                name: try record.open(client.nameEnvelope, ClientRow.schema, "name", row: record.clientID),
                progressNotes: try await Notes.progressNotes(in: record),
                psychotherapyNotes: try await Notes.ownPsychotherapyNotes(in: record),
                appointments: appointments,
                checkIns: checkIns,
                ruptures: try await RuptureLog.load(appointments: appointments, checkIns: checkIns, in: record))
        }
    }

    let model: Model
    let clientID: UUID
    let context: PageContext
    let now: Date
    let zone: TimeZone
    /// Keyed by form id, so a rejected note stays in its own box with its message.
    var drafts: [String: String] = [:]
    var problems: [String: [FieldProblem]] = [:]
    /// Checkboxes ticked on a refused rupture form, by form id.
    var ticked: [String: Set<String>] = [:]

    var contents: Model { model }
    var title: String { model.name }
    var isRefusal: Bool { !problems.isEmpty }
    var isWide: Bool { true }
    var base: String { "/clients/\(clientID.uuidString.lowercased())" }
    func when(_ date: Date) -> String { Formats.when(date, in: zone) }

    /// On a desk, two columns: what the therapist reads before and after a session (scores, feedback, notes) on the
    /// left, the running of the work (sessions, check-ins, measures) on the right. On a phone, one column in that order.
    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("/clients"), "← Your clients")),
            .h1(.text(contents.name)),
            alertsPart,
            .div(.class("record-grid"),
                 .div(.class("record-main"), relationshipPart.node, scoresPart, feedbackPart, notesPart),
                 .div(.class("record-side"), sessionsSection, checkInPlanPart, measuresPart))
        )
    }

    var relationshipPart: RelationshipPart {
        RelationshipPart(summary: contents.ruptures, sessions: contents.appointments, base: base, context: context, zone: zone, now: now,
                         drafts: drafts, problems: problems, ticked: ticked)
    }

    var notesPart: Node<HTML.BodyContext> {
        .section(.id("notes"),
            .h2("Progress notes"),
            .p(.class("muted"), "Part of the client's record."),
            FormParts.form(id: "progress-note-form", action: "\(base)/progress-notes", context,
                           problems: problems["progress-note-form"] ?? [], submit: "Save progress note",
                FormParts.textArea("body", id: "progress-body", label: "New progress note", value: drafts["progress-note-form"] ?? "",
                                   problems: problems["progress-note-form"] ?? [])),
            .if(contents.progressNotes.isEmpty, .p(.class("muted"), "No progress notes yet.")),
            .forEach(contents.progressNotes) { NoteCard.node($0, href: "\(base)/progress-notes/\($0.id.uuidString.lowercased())", zone: zone) },
            .h2("Psychotherapy notes"),
            .p(.class("muted"), "Your private process notes. Only you can read them: not the client, not colleagues, not the practice owner."),
            FormParts.form(id: "psychotherapy-note-form", action: "\(base)/psychotherapy-notes", context,
                           problems: problems["psychotherapy-note-form"] ?? [], submit: "Save private note",
                FormParts.textArea("body", id: "psychotherapy-body", label: "New psychotherapy note", value: drafts["psychotherapy-note-form"] ?? "",
                                   problems: problems["psychotherapy-note-form"] ?? [])),
            .if(contents.psychotherapyNotes.isEmpty, .p(.class("muted"), "No psychotherapy notes yet.")),
            .forEach(contents.psychotherapyNotes) { NoteCard.node($0, href: "\(base)/psychotherapy-notes/\($0.id.uuidString.lowercased())", zone: zone) }
        )
    }

    var sessionsSection: Node<HTML.BodyContext> {
        // Cancelled sessions stay in the list with their status, so the history is whole.
        let upcoming = contents.appointments.filter { $0.startsAt > now }
        let past = contents.appointments.filter { $0.startsAt <= now }.reversed()
        let scheduleProblems = problems["schedule-form"] ?? []
        return .section(.id("sessions"),
            .h2("Sessions"),
            .if(upcoming.isEmpty, .p(.class("muted"), "No sessions booked.")),
            .if(!upcoming.isEmpty, .ul(.class("plain card sessions"), .forEach(upcoming) { session in
                .li(.class(session.cancelled ? "session cancelled" : "session"),
                    SessionLine.node(session, when: when(session.startsAt), minutes: "min", zone: zone),
                    // A refusal for this session (attendance sent before it started) shows beside it.
                    .unwrap((problems["attendance-\(session.id.uuidString.lowercased())"] ?? []).first) { .p(.class("error"), .text($0.message)) },
                    .if(!session.cancelled,
                        .p(.class("session-actions"), .a(.href("\(base)/appointments/\(session.id.uuidString.lowercased())"),
                              .attribute(named: "aria-label", value: "Change or cancel the session on \(when(session.startsAt))"),
                              "Change or cancel"))))
            })),
            FormParts.form(id: "schedule-form", action: "\(base)/appointments", context, problems: scheduleProblems, submit: "Book session",
                FormParts.field("date", label: "Date", type: .date, value: drafts["date"] ?? "", problems: scheduleProblems),
                FormParts.field("time", label: "Time (\(zone.identifier))", type: .time,
                                value: drafts["time"] ?? "", problems: scheduleProblems),
                FormParts.field("length", label: "Length in minutes", type: .number, value: drafts["length"] ?? "50", problems: scheduleProblems,
                                extra: [.attribute(named: "min", value: "10"), .attribute(named: "max", value: "240")]),
                FormParts.field("location", label: "Place or video link (optional)", value: drafts["location"] ?? "",
                                hint: "The client sees this, and it appears in their calendar.", problems: scheduleProblems, required: false),
                repeatsField(scheduleProblems),
                FormParts.field("count", label: "How many sessions, if it repeats", type: .number, value: drafts["count"] ?? "6",
                                hint: "From \(SessionSeries.counts.lowerBound) to \(SessionSeries.counts.upperBound), at the same time of day.",
                                problems: scheduleProblems, required: false,
                                extra: [.attribute(named: "min", value: "\(SessionSeries.counts.lowerBound)"),
                                        .attribute(named: "max", value: "\(SessionSeries.counts.upperBound)")])
            ),
            .if(!past.isEmpty, .h2("Past sessions")),
            .forEach(past) { session in
                let formID = "attendance-\(session.id.uuidString.lowercased())"
                let sessionProblems = problems[formID] ?? []
                return .div(.class(session.cancelled ? "card session past cancelled" : "card session past"),
                    .p(.strong(.text(when(session.startsAt))), .text(" · \(session.durationMinutes) min"),
                       .unwrap(session.attendance) { attendance in
                           .text(attendance == .cancelledLate ? ""
                                 : " · \(attendance.display)\(attendance == .late ? " (\(session.lateMinutes ?? 0) min)" : "")")
                       }),
                    SessionLine.status(session),
                    // A session cancelled in good time was never going to be held: there is nothing to record.
                    .if(session.attendance == nil && !session.cancelled,
                        FormParts.form(id: formID, action: "\(base)/appointments/\(session.id.uuidString.lowercased())/attendance",
                                       context, problems: sessionProblems, submit: "Record attendance",
                            .div(.class("field"),
                                 .label(.for("\(formID)-attendance"), "What happened"),
                                 .unwrap(sessionProblems.first { $0.field == "attendance" }) { .p(.class("error"), .text($0.message)) },
                                 .select(.attribute(named: "name", value: "attendance"), .attribute(named: "id", value: "\(formID)-attendance"),
                                         .forEach(Attendance.allCases) { .option(.value($0.rawValue), .label($0.display)) })),
                            FormParts.field("late_minutes", label: "Minutes late (if late)", type: .number, problems: sessionProblems,
                                            required: false, id: "\(formID)-late")
                        ))
                )
            }
        )
    }

    /// One session, or the same time every week or every other week.
    func repeatsField(_ problems: [FieldProblem]) -> Node<HTML.FormContext> {
        let chosen = drafts["repeats"] ?? "no"
        let problem = problems.first { $0.field == "repeats" }
        return .div(.class(problem == nil ? "field" : "field has-error"),
            .label(.for("repeats"), "Repeats"),
            .unwrap(problem) { .p(.class("error"), .id("repeats-error"), .text($0.message)) },
            .select(.attribute(named: "name", value: "repeats"), .attribute(named: "id", value: "repeats"),
                    .forEach([("no", "Just this session"), ("weekly", "Every week"), ("fortnightly", "Every two weeks")]) { value, label in
                        .option(.value(value), .label(label), .isSelected(chosen == value))
                    }))
    }

    /// Open risk alerts, above everything else and across the whole width.
    var alertsPart: Node<HTML.BodyContext> {
        let summary = contents.checkIns
        return .group(
            .if(!summary.openAlerts.isEmpty, .div(.class("card alert"), .id("risk-alerts"), .attribute(named: "role", value: "alert"),
                .h2("Risk alert"),
                .forEach(summary.openAlerts) { alert in
                    .div(.class("alert-entry"),
                         .p(.strong(.text("\(alert.checkIn.definition.name), \(when(alert.raisedAt))")),
                            .text(alert.checkIn.isDone ? "" : " (check-in not finished)")),
                         .ul(.forEach(alert.evidence) { .li(.text($0)) }),
                         .p(.class("muted"), .text(alert.checkIn.inRoom
                             ? "Entered by a therapist from answers given in the room."
                             : "Raised the moment the client gave the answer; they were shown the practice's crisis resources.")))
                },
                .p("Please follow your practice's risk procedure."),
                .form(.method(.post), .action("\(base)/risk-alerts/acknowledge"), .class("inline"),
                      .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                      // Only the alerts on this page: one raised after it was loaded stays open.
                      .forEach(summary.openAlerts) { .input(.type(.hidden), .name("alert-\($0.id.uuidString.lowercased())"), .value("seen")) },
                      .button(.type(.submit), .class("primary"), .text("Mark as seen")))))
        )
    }

    var scoresPart: Node<HTML.BodyContext> {
        let summary = contents.checkIns
        return .section(.id("scores"),
            .h2("Scores"),
            .if(summary.outcomeSeries.isEmpty, .p(.class("muted"), "No check-ins answered yet.")),
            // Scrolls sideways on a phone: focusable and named, so that it can be scrolled from the keyboard
            // (axe-core: scrollable-region-focusable).
            .if(!summary.outcomeSeries.isEmpty, .div(.class("table-scroll"), .attribute(named: "tabindex", value: "0"),
                                                     .attribute(named: "role", value: "region"),
                                                     .attribute(named: "aria-label", value: "Scores"),
                                                     .table(.class("scores"),
                .thead(.tr(.th("Measure"), .th("Latest"), .th("Band"), .th("When"))),
                .tbody(.forEach(summary.outcomeSeries) { definition, series in
                    let latest = series[series.count - 1]
                    return .tr(.td(.text(definition.name)),
                               .td(.class("score"), .text(latest.total.map(Scoring.format) ?? "")),
                               .td(.text(latest.band?.display ?? "")),
                               .td(.text(latest.completedAt.map { when($0) } ?? "")))
                })))),
            .forEach(summary.outcomeSeries) { definition, series in
                .p(.class("change"), .text(ChangeWords.summary(definition, scores: series.compactMap(\.total))))
            }
        )
    }

    var checkInPlanPart: Node<HTML.BodyContext> {
        let summary = contents.checkIns
        let sessionStart = Dictionary(uniqueKeysWithValues: contents.appointments.map { ($0.id, $0.startsAt) })
        return .section(.id("check-ins"),
            .h2("Check-ins"),
            .if(summary.measures.isEmpty, .p(.class("muted"), "This client isn't asked any measures. Choose some below.")),
            .if(summary.recentPlan(now: now).isEmpty && !summary.measures.isEmpty,
                .p(.class("muted"), "Check-ins appear here once sessions are booked: measures before each session, feedback after it.")),
            .ul(.class("plain card check-in-plan"), .forEach(summary.recentPlan(now: now)) { entry in
                let definition = summary.measures.first { $0.id == entry.instrumentID }
                let session = sessionStart[entry.appointmentID].map { when($0) } ?? ""
                let path = "\(base)/check-ins/\(entry.appointmentID.uuidString.lowercased())/\(entry.instrumentID)"
                return .li(.class("check-in-entry state-\(entry.state.rawValue)"),
                    .span(.text("\(definition?.name ?? entry.instrumentID) · \(entry.purpose == .outcome ? "before" : "after") \(session)")),
                    .span(.class("state"), .text(" · \(stateWords(entry))")),
                    .if(entry.state == .due || entry.state == .overdue,
                        .a(.class("room-link"), .href(path), "Enter answers given in the room")))
            })
        )
    }

    var feedbackPart: Node<HTML.BodyContext> {
        let summary = contents.checkIns
        let sessionStart = Dictionary(uniqueKeysWithValues: contents.appointments.map { ($0.id, $0.startsAt) })
        return .section(.id("feedback"),
            .h2("Session feedback"),
            .forEach(summary.measures.filter { $0.purpose == .sessionFeedback }) { definition in
                .p(.class("muted"), .text("\(definition.name)\(definition.validated ? "" : ", Rapport's own questions, is not a validated measure: read it as the client's voice, not a score"). Marked as worth talking about when: "
                    + (definition.flag ?? []).map { $0.explanation.trimmingCharacters(in: CharacterSet(charactersIn: ".")).lowercasedFirst }.joined(separator: "; or ") + "."))
            },
            .if(summary.feedback.isEmpty, .p(.class("muted"), "No feedback yet.")),
            .forEach(summary.feedback) { feedback in
                .div(.class("card feedback\(feedback.flags.contains("alliance-concern") ? " concern" : "")"),
                     .p(.strong(.text(sessionStart[feedback.appointmentID].map { "Session of \(when($0))" } ?? "Session")),
                        .text(" · \(feedback.definition.name) \(feedback.total.map(Scoring.format) ?? "?") of \(Scoring.format(feedback.definition.totalRange.upperBound))"),
                        .if(feedback.flags.contains("alliance-concern"), .span(.class("flag"), " · worth talking about"))),
                     .p(.class("muted"), .text(zip(feedback.definition.item, feedback.answers).map { item, answer in
                         "\(item.linkId) \(answer.map(Scoring.format) ?? "–")"
                     }.joined(separator: " · "))),
                     .unwrap(feedback.comment) { .blockquote(.class("comment"), .text($0)) })
            }
        )
    }

    var measuresPart: Node<HTML.BodyContext> {
        let summary = contents.checkIns
        let measureProblems = problems["measures-form"] ?? []
        return .section(.id("measures"),
            .h2("Measures for this client"),
            FormParts.form(id: "measures-form", action: "\(base)/measures", context, problems: measureProblems, submit: "Save measures",
                .fieldset(.class("measures"),
                    .element(named: "legend", nodes: [Node<HTML.FormContext>.text("Asked before each session (outcome) or after it (feedback)")]),
                    .forEach(measureProblems) { .p(.class("error"), .attribute(named: "role", value: "alert"), .text($0.message)) },
                    .forEach(summary.available) { definition in
                        .label(.class("room-option"),
                               .input(.type(.checkbox), .name("measure-\(definition.id)"), .value("on"),
                                      .checked(summary.measures.contains(definition))),
                               .text(" \(definition.name): \(definition.title)\(definition.purpose == .outcome ? "" : " (after sessions)")"))
                    }))
        )
    }

    func stateWords(_ entry: PlannedCheckIn) -> String {
        switch entry.state {
        case .notYetOpen: return "opens \(when(entry.opens))"
        case .due: return "due by \(when(entry.dueBy))"
        case .overdue: return "overdue"
        case .done: return "done"
        case .missed: return "missed"
        }
    }
}
