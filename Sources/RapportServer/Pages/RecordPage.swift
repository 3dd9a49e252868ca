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
        /// What each measure's expected course is drawn with in this practice: fitted or the default.
        let courseModels: ExpectedCourseModels.Fits
        /// Messages from the client the care team hasn't opened yet.
        var unreadMessages = 0
        /// Words written for the client to keep, newest first.
        var wordsToCarry: [WordsToCarryView] = []
        /// The safety plan's newest version, if there is one.
        var safetyPlan: SafetyPlanView? = nil
        /// The practice agreed between sessions, with its attempts, if one runs.
        var practice: PracticeView? = nil
        /// The ending, planned or carried out, if there is one.
        var ending: EndingView? = nil
        /// Its follow-up check-ins, once therapy has ended.
        var followUps: [FollowUpView] = []
        /// Where the client stands with the practice's agreement.
        var consent: Consents.Standing? = nil

        /// Everything the record page shows, read with the record's one unwrapped key. `available` are the
        /// practice's measures, from the settings the page has read anyway.
        static func load(available: [InstrumentDefinition], courseModels: ExpectedCourseModels.Fits, in record: ClientRecord) async throws -> Model {
            let name = try await record.clientName()
            let appointments = try await Appointments.all(in: record)
            let checkIns = try await CheckInSummary.load(sessions: appointments.map(\.slot), available: available, in: record)
            let ending = try await Endings.current(in: record)
            return Model(
                name: name,
                progressNotes: try await Notes.progressNotes(in: record),
                psychotherapyNotes: try await Notes.ownPsychotherapyNotes(in: record),
                appointments: appointments,
                checkIns: checkIns,
                ruptures: try await RuptureLog.load(appointments: appointments, checkIns: checkIns, in: record),
                courseModels: courseModels,
                unreadMessages: try await Messages.unread(forClient: false, in: record),
                wordsToCarry: try await WordsToCarry.all(in: record),
                safetyPlan: try await SafetyPlans.current(in: record),
                practice: try await PracticeAgreements.current(in: record),
                ending: ending,
                followUps: ending?.endedAt == nil ? [] : try await FollowUps.all(in: record),
                consent: try await Consents.standing(clientID: record.clientID, practiceID: record.practiceID, on: record.db))
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

    /// A desk, not a scroll. On a wide screen: what needs attention, the charts and the relationship on the left; the
    /// relationship over time (sessions, feedback, ruptures, repairs, notes) and the running of the work on the right,
    /// with every form closed until it is wanted. On a phone, one column in that order.
    var content: Node<HTML.BodyContext> {
        let courses = self.courses
        return .group(
            .p(.a(.href("/clients"), "← Your clients")),
            .h1(.plain(contents.name)),
            .p(.class("muted"), .a(.href("\(base)/access"), "Who opened this record"), .plain(" · "),
               .a(.href("\(base)/export"), "Export for a transfer of care"), .plain(" · "),
               .a(.href("\(base)/disclosures"), "Disclosures"),
               .unwrap(contents.consent) { .group(.plain(" · "), .span(.id("consent-status"), .plain(self.consentWords($0)))) }),
            alertsPart,
            .div(.class("record-grid"),
                 .div(.class("record-main"), attentionPart(courses), scoresPart, chartsPart(courses), relationshipPart.node),
                 .div(.class("record-side"), messagesPart, sessionsSection, timelinePart, practicePart, checkInPlanPart, wordsPart, notesPart,
                      endingPart, measuresPart))
        )
    }

    /// Where the client stands with the practice's agreement, in a few words under their name.
    func consentWords(_ standing: Consents.Standing) -> String {
        switch standing {
        case .notSigned: return "has not signed the practice's agreement yet"
        case .signedCurrent(let version, let at): return "signed the practice's agreement (version \(version)) on \(Formats.dateLong(at, in: zone))"
        case .signedEarlier(let version, let at, let current):
            return "signed version \(version) of the agreement on \(Formats.dateLong(at, in: zone)); version \(current) waits for their signature"
        }
    }

    /// Each outcome measure's scores against its expected course, index by index (nil without a course).
    var courses: [String: ExpectedCourse] {
        var found: [String: ExpectedCourse] = [:]
        for (definition, series) in contents.checkIns.outcomeSeries {
            guard let parameters = contents.courseModels.parameters[definition.id],
                  let course = try? ExpectedCourses.course(series.compactMap(\.total), definition: definition, parameters: parameters, limit: .max)
            else { continue }
            found[definition.id] = course
        }
        return found
    }

    /// What needs attention before the next session, in a few words each: the same reasons as the caseload.
    func attentionPart(_ courses: [String: ExpectedCourse]) -> Node<HTML.BodyContext> {
        let summary = contents.checkIns
        var reasons: [String] = []
        for (definition, _) in summary.outcomeSeries {
            guard let course = courses[definition.id], course.latestRunNotOnTrack > 0 else { continue }
            let run = course.latestRunNotOnTrack
            reasons.append("Not on track: \(definition.name) \(definition.direction == .lowerIsBetter ? "above" : "below") the expected course "
                + (run == 1 ? "at the latest score." : "for the last \(run) scores."))
        }
        let possible = contents.ruptures.possible.count
        if possible > 0 { reasons.append(possible == 1 ? "1 possible rupture to look at." : "\(possible) possible ruptures to look at.") }
        let unrepaired = contents.ruptures.confirmed.filter { $0.latestOutcome != .resolved }.count
        if unrepaired > 0 { reasons.append(unrepaired == 1 ? "1 rupture not yet repaired." : "\(unrepaired) ruptures not yet repaired.") }
        let overdue = summary.plan.filter { $0.state == .overdue }
        if !overdue.isEmpty { reasons.append(overdue.count == 1 ? "1 check-in overdue." : "\(overdue.count) check-ins overdue.") }
        return .section(.id("attention"), .class(reasons.isEmpty ? "card calm" : "card attention"),
            .h2("Before the next session"),
            .if(reasons.isEmpty, .p(.plain(courses.isEmpty ? "Nothing needs attention right now."
                                                           : "Nothing needs attention right now: on track, and no possible rupture to look at.")),
                else: .ul(.forEach(reasons) { .li(.plain($0)) })),
            .unwrap(contents.appointments.first { $0.startsAt > now && !$0.cancelled }) { next in
                .p(.class("muted"), .plain("Next session \(when(next.startsAt)).")) })
    }

    /// The charts: each outcome measure with its expected course, and session feedback with attendance.
    func chartsPart(_ courses: [String: ExpectedCourse]) -> Node<HTML.BodyContext> {
        let summary = contents.checkIns
        let start = contents.appointments.startsByID
        var events: [MeasureChart.Event] = contents.ruptures.possible.map {
            .init(date: $0.sessionStart, kind: .possibleRupture, label: "Possible rupture: \($0.evidence)")
        }
        for rupture in contents.ruptures.confirmed {
            events.append(.init(date: rupture.sessionStart ?? rupture.recordedAt, kind: .rupture,
                                label: "Rupture (\(rupture.type.rawValue)), \(when(rupture.sessionStart ?? rupture.recordedAt))"))
            events += rupture.repairs.map { .init(date: $0.recordedAt, kind: .repair, label: "Repair, \(when($0.recordedAt)): \($0.outcome.display.lowercasedFirst)") }
        }
        let charts = summary.outcomeSeries.map { definition, series in
            MeasureChart(definition: definition, points: MeasureChart.points(series, starts: start), expectedCourse: courses[definition.id], events: events, zone: zone)
        }
        let feedbackMeasure = summary.measures.first { $0.purpose == .sessionFeedback }
        let feedbackByAppointment = Dictionary(summary.feedback.map { ($0.appointmentID, $0.total) }, uniquingKeysWith: { first, _ in first })
        let held = contents.appointments.filter { $0.startsAt <= now }
        let feedbackChart = FeedbackChart(name: feedbackMeasure?.name ?? "Session feedback",
                                          sessions: held.map { .init(date: $0.startsAt, attendance: $0.attendance, cancelled: $0.cancelled,
                                                                     feedback: feedbackByAppointment[$0.id] ?? nil) },
                                          zone: zone)
        return .section(.id("progress"),
            .h2("Progress"),
            .if(charts.isEmpty && held.isEmpty, .p(.class("muted"), "Charts appear here once the client has answered a check-in.")),
            .div(.class("charts"),
                 .forEach(charts) { $0.node },
                 .if(!held.isEmpty, feedbackChart.node)),
            .if(!courses.isEmpty, .p(.class("muted"), .plain(modelWords(Array(courses.keys)))))
        )
    }

    /// Which model the expected courses come from, in words: fitted on this practice's ended episodes (and on how
    /// many), or the default until there are enough.
    func modelWords(_ measureIDs: [String]) -> String {
        let models = contents.courseModels
        var fitted: [String] = [], onDefault: [(name: String, ended: Int)] = []
        for definition in InstrumentCatalogue.shipped where measureIDs.contains(definition.id) {
            guard let parameters = models.parameters[definition.id] else { continue }
            if let episodes = parameters.episodes {
                fitted.append("\(definition.name) fitted on this practice's own \(episodes) ended episodes")
            } else {
                onDefault.append((definition.name, models.endedEpisodes[definition.id] ?? 0))
            }
        }
        var parts = fitted
        if let model = ExpectedCourses.default, !onDefault.isEmpty {
            parts.append("\(onDefault.map(\.name).joined(separator: " and ")) on \(model.name) (\(model.id)), until this practice has "
                + "\(models.minimumEpisodes) ended episodes of a measure to fit its own (so far "
                + onDefault.map { "\($0.name) \($0.ended)" }.joined(separator: ", ") + ")")
        }
        return "Expected course, the same for every client who started at the same score: " + parts.joined(separator: "; ")
            + ". How it is drawn, and where each figure comes from, is in the README."
    }

    /// Sessions that have happened, ruptures, repairs and notes, newest first: the relationship as it went.
    var timelinePart: Node<HTML.BodyContext> {
        var entries: [(date: Date, entry: TimelineEntry)] = contents.appointments.filter { $0.startsAt <= now }.map { ($0.startsAt, .session($0)) }
        for rupture in contents.ruptures.confirmed {
            entries.append((rupture.recordedAt, .rupture(rupture)))
            entries += rupture.repairs.map { ($0.recordedAt, .repair($0, rupture)) }
        }
        entries += contents.progressNotes.map { ($0.createdAt, .note($0)) }
        let feedback = Dictionary(contents.checkIns.feedback.map { ($0.appointmentID, $0) }, uniquingKeysWith: { first, _ in first })
        return .section(.id("timeline"),
            .h2("The relationship over time"),
            .forEach(contents.checkIns.measures.filter { $0.purpose == .sessionFeedback }) { definition in
                .p(.class("muted"), .plain("\(definition.name)\(definition.validated ? "" : ", Rapport's own questions, is not a validated measure: read it as the client's voice, not a score"). Marked as worth talking about when: "
                    + (definition.flag ?? []).filter { $0.code == "alliance-concern" }
                        .map { $0.explanation.trimmingCharacters(in: CharacterSet(charactersIn: ".")).lowercasedFirst }.joined(separator: "; or ") + "."))
            },
            .if(entries.isEmpty, .p(.class("muted"), "Sessions, feedback, ruptures, repairs and notes appear here as they happen.")),
            .if(!entries.isEmpty, timelineList(entries.sorted { $0.date > $1.date }.map(\.entry), feedback: feedback)))
    }

    enum TimelineEntry { case session(AppointmentView), rupture(LoggedRupture), repair(RepairView, LoggedRupture), note(NoteView) }

    /// The timeline's list, written with `Markup.Builder`: a row per session the work has had, on the page therapists
    /// open most (see `Markup`).
    func timelineList(_ entries: [TimelineEntry], feedback: [UUID: CheckInView]) -> Node<HTML.BodyContext> {
        var out = Markup.Builder(capacity: 600 * entries.count)
        out.raw("<ol class=\"plain timeline\">")
        for entry in entries {
            switch entry {
            case .session(let session):
                out.raw(session.cancelled ? "<li class=\"timeline-session cancelled\">" : "<li class=\"timeline-session\">")
                pastSession(session, feedback: feedback[session.id], into: &out)
            case .rupture(let rupture):
                out.raw("<li class=\"timeline-rupture\"><p><span class=\"badge ")
                out.value(rupture.type.rawValue)
                out.raw("\">")
                out.raw(rupture.type == .withdrawal ? "Withdrawal" : "Confrontation")
                out.raw("</span><a href=\"")
                out.value("\(base)/ruptures/\(rupture.id.lowercasedText)")
                out.raw("\">")
                out.text(" Rupture \(rupture.origin == .signal ? "confirmed" : "noticed"), \(when(rupture.recordedAt))")
                out.raw("</a></p>")
            case .repair(let repair, let rupture):
                out.raw("<li class=\"timeline-repair\"><p><a href=\"")
                out.value("\(base)/ruptures/\(rupture.id.lowercasedText)")
                out.raw("\">")
                out.text("Repair, \(when(repair.recordedAt)): \(repair.outcome.display.lowercasedFirst)")
                out.raw("</a></p>")
            case .note(let note):
                out.raw("<li class=\"timeline-note\"><p><a href=\"")
                out.value("\(base)/progress-notes/\(note.id.lowercasedText)")
                out.raw("\">")
                out.text("Progress note, \(when(note.createdAt))")
                out.raw("</a></p><p class=\"muted note-preview\">")
                out.text(String(note.body.prefix(140)) + (note.body.count > 140 ? "…" : ""))
                out.raw("</p>")
            }
            out.raw("</li>")
        }
        out.raw("</ol>")
        return out.node()
    }

    /// A session that has happened: attendance, feedback, and the form to record attendance when it is missing (the
    /// form in Plot: it is on few sessions, and has the form parts every form shares).
    func pastSession(_ session: AppointmentView, feedback: CheckInView?, into out: inout Markup.Builder) {
        out.raw("<p><strong>")
        out.text(when(session.startsAt))
        out.raw("</strong>")
        out.text(" · \(session.durationMinutes) min")
        if let attendance = session.attendance, attendance != .cancelledLate {
            out.text(" · \(attendance.display)\(attendance == .late ? " (\(session.lateMinutes ?? 0) min)" : "")")
        }
        if let view = feedback {
            out.text(" · feedback \(view.total.map(Scoring.format) ?? "?") of \(Scoring.format(view.definition.totalRange.upperBound))")
            if view.flags.contains("alliance-concern") { out.raw("<span class=\"flag\"> · worth talking about</span>") }
        }
        out.raw("</p>")
        if let view = feedback {
            out.raw("<p class=\"muted\">")
            out.text(zip(view.definition.item, view.answers).map { item, answer in "\(item.linkId) \(answer.map(Scoring.format) ?? "–")" }
                .joined(separator: " · "))
            out.raw("</p>")
        }
        if let comment = feedback?.comment {
            out.raw("<blockquote class=\"comment\">")
            out.text(comment)
            out.raw("</blockquote>")
        }
        if let cancellation = session.cancellation {
            out.raw("<p class=\"status cancelled-status\">")
            out.text(cancellation.display)
            out.raw("</p>")
        }
        // A session cancelled in good time was never going to be held: there is nothing to record.
        if session.attendance == nil && !session.cancelled {
            let node: Node<HTML.BodyContext> = attendanceForm(session)
            out.append(rendered: node.render(indentedBy: nil))
        }
    }

    func attendanceForm(_ session: AppointmentView) -> Node<HTML.BodyContext> {
        let formID = "attendance-\(session.id.uuidString.lowercased())"
        let sessionProblems = problems[formID] ?? []
        return .element(named: "details", nodes: [
            .attribute(named: "class", value: "attendance"),
            .if(!sessionProblems.isEmpty, .attribute(named: "open", value: "open")),
            .element(named: "summary", nodes: [.plain("Record attendance")]),
            FormParts.form(id: formID, action: "\(base)/appointments/\(session.id.uuidString.lowercased())/attendance",
                           context, problems: sessionProblems, submit: "Record attendance",
                .div(.class("field"),
                     .label(.for("\(formID)-attendance"), "What happened"),
                     .unwrap(sessionProblems.first { $0.field == "attendance" }) { .p(.class("error"), .plain($0.message)) },
                     .select(.attribute(named: "name", value: "attendance"), .attribute(named: "id", value: "\(formID)-attendance"),
                             .forEach(Attendance.allCases) { .option(.value($0.rawValue), .label($0.display)) })),
                FormParts.field("late_minutes", label: "Minutes late (if late)", type: .number, problems: sessionProblems,
                                required: false, id: "\(formID)-late")),
        ])
    }

    /// A form closed until it is wanted, open when it was refused (so its message shows).
    func opener(_ summary: String, id: String, open: Bool, _ form: Node<HTML.BodyContext>) -> Node<HTML.BodyContext> {
        .element(named: "details", nodes: [
            .attribute(named: "class", value: "opener"),
            .attribute(named: "id", value: "\(id)-opener"),
            .if(open, .attribute(named: "open", value: "open")),
            .element(named: "summary", nodes: [.plain(summary)]),
            form,
        ])
    }

    var relationshipPart: RelationshipPart {
        RelationshipPart(summary: contents.ruptures, sessions: contents.appointments, base: base, context: context, zone: zone, now: now,
                         drafts: drafts, problems: problems, ticked: ticked)
    }

    /// The thread with the client, one line: how many of their messages wait to be read; and the safety plan, one line.
    var messagesPart: Node<HTML.BodyContext> {
        let waiting = contents.unreadMessages
        let plan = contents.safetyPlan
        return .group(
            .section(.id("messages"), .class("card"),
                .h2("Messages"),
                .p(.plain(waiting == 0 ? "Nothing new from \(InputRules.firstName(of: contents.name))."
                         : "\(waiting) new message\(waiting == 1 ? "" : "s") from \(InputRules.firstName(of: contents.name))."),
                   .plain(" "), .a(.href("\(base)/messages"), .plain(waiting == 0 ? "Open the thread" : "Read and reply")))),
            .section(.id("safety-plan-line"), .class("card"),
                .h2("Safety plan"),
                .p(.plain(plan.map { "Version \($0.version), saved \(when($0.savedAt))\($0.byClient ? " by the client" : "")." } ?? "None yet."),
                   .plain(" "), .a(.href("\(base)/safety-plan"), .plain(plan == nil ? "Write one together" : "Open the plan")))))
    }

    /// Words to carry: what the client keeps on a page of their own, in the therapist's voice.
    var wordsPart: Node<HTML.BodyContext> {
        let formID = "words-form"
        let formProblems = problems[formID] ?? []
        return .section(.id("words"),
            .h2("Words to carry"),
            .p(.class("muted"), .plain("Short notes for \(InputRules.firstName(of: contents.name)) to keep and open on a hard day. They stay theirs to read after therapy ends.")),
            opener("Write words to carry", id: formID, open: problems[formID] != nil || drafts[formID] != nil,
                FormParts.form(id: formID, action: "\(base)/words", context, problems: formProblems, submit: "Give these words",
                    FormParts.textArea("body", id: "words-body", label: "Words for the client to carry", value: drafts[formID] ?? "",
                                       problems: formProblems))),
            .if(contents.wordsToCarry.isEmpty, .p(.class("muted"), "None written yet.")),
            .forEach(contents.wordsToCarry) { words in
                .blockquote(.class("card words"),
                            .forEach(Formats.lines(words.body)) { .p(.plain($0)) },
                            .p(.class("muted"), .plain(Formats.when(words.createdAt, in: zone) + (words.pinned ? " · pinned by the client" : ""))))
            })
    }

    var notesPart: Node<HTML.BodyContext> {
        .section(.id("notes"),
            .h2("Progress notes"),
            .p(.class("muted"), "Part of the client's record."),
            opener("Write a progress note", id: "progress-note-form", open: problems["progress-note-form"] != nil || drafts["progress-note-form"] != nil,
                FormParts.form(id: "progress-note-form", action: "\(base)/progress-notes", context,
                               problems: problems["progress-note-form"] ?? [], submit: "Save progress note",
                    FormParts.textArea("body", id: "progress-body", label: "New progress note", value: drafts["progress-note-form"] ?? "",
                                       problems: problems["progress-note-form"] ?? []))),
            .if(contents.progressNotes.isEmpty, .p(.class("muted"), "No progress notes yet.")),
            .forEach(contents.progressNotes) { NoteCard.node($0, href: "\(base)/progress-notes/\($0.id.uuidString.lowercased())", zone: zone) },
            .h2("Psychotherapy notes"),
            .p(.class("muted"), "Your private process notes. Only you can read them: not the client, not colleagues, not the practice owner."),
            opener("Write a private note", id: "psychotherapy-note-form",
                   open: problems["psychotherapy-note-form"] != nil || drafts["psychotherapy-note-form"] != nil,
                FormParts.form(id: "psychotherapy-note-form", action: "\(base)/psychotherapy-notes", context,
                               problems: problems["psychotherapy-note-form"] ?? [], submit: "Save private note",
                    FormParts.textArea("body", id: "psychotherapy-body", label: "New psychotherapy note", value: drafts["psychotherapy-note-form"] ?? "",
                                       problems: problems["psychotherapy-note-form"] ?? []))),
            .if(contents.psychotherapyNotes.isEmpty, .p(.class("muted"), "No psychotherapy notes yet.")),
            .forEach(contents.psychotherapyNotes) { NoteCard.node($0, href: "\(base)/psychotherapy-notes/\($0.id.uuidString.lowercased())", zone: zone) }
        )
    }

    var sessionsSection: Node<HTML.BodyContext> {
        // Cancelled sessions stay in the list with their status, so the history is whole.
        let upcoming = contents.appointments.filter { $0.startsAt > now }
        let scheduleProblems = problems["schedule-form"] ?? []
        return .section(.id("sessions"),
            .h2("Sessions"),
            .if(upcoming.isEmpty, .p(.class("muted"), "No sessions booked.")),
            .if(!upcoming.isEmpty, .ul(.class("plain card sessions"), .forEach(upcoming) { session in
                .li(.class(session.cancelled ? "session cancelled" : "session"),
                    SessionLine.node(session, when: when(session.startsAt), minutes: "min", zone: zone),
                    // A refusal for this session (attendance sent before it started) shows beside it.
                    .unwrap((problems["attendance-\(session.id.uuidString.lowercased())"] ?? []).first) { .p(.class("error"), .plain($0.message)) },
                    .if(!session.cancelled,
                        .p(.class("session-actions"), .a(.href("\(base)/appointments/\(session.id.uuidString.lowercased())"),
                              .attribute(named: "aria-label", value: "Change or cancel the session on \(when(session.startsAt))"),
                              "Change or cancel"))))
            })),
            opener("Book a session", id: "schedule-form", open: !scheduleProblems.isEmpty,
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
                ))
        )
    }

    /// One session, or the same time every week or every other week.
    func repeatsField(_ problems: [FieldProblem]) -> Node<HTML.FormContext> {
        let chosen = drafts["repeats"] ?? "no"
        let problem = problems.first { $0.field == "repeats" }
        return .div(.class(problem == nil ? "field" : "field has-error"),
            .label(.for("repeats"), "Repeats"),
            .unwrap(problem) { .p(.class("error"), .id("repeats-error"), .plain($0.message)) },
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
                         .p(.strong(.plain("\(alert.checkIn.definition.name), \(when(alert.raisedAt))")),
                            .plain(alert.checkIn.isDone ? "" : " (check-in not finished)")),
                         .ul(.forEach(alert.evidence) { .li(.plain($0)) }),
                         .p(.class("muted"), .plain(alert.checkIn.inRoom
                             ? "Entered by a therapist from answers given in the room."
                             : "Raised the moment the client gave the answer; they were shown the practice's crisis resources.")))
                },
                // The safety plan first: going through it together is the first step once risk is raised.
                .p(.a(.class("button primary"), .href("\(base)/safety-plan"),
                      .plain(contents.safetyPlan == nil ? "Write a safety plan together" : "Go through the safety plan together"))),
                .p("Please follow your practice's risk procedure."),
                .form(.method(.post), .action("\(base)/risk-alerts/acknowledge"), .class("inline"),
                      .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                      // Only the alerts on this page: one raised after it was loaded stays open.
                      .forEach(summary.openAlerts) { .input(.type(.hidden), .name("alert-\($0.id.uuidString.lowercased())"), .value("seen")) },
                      .button(.type(.submit), .class("primary"), .plain("Mark as seen")))))
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
                    return .tr(.td(.plain(definition.name)),
                               .td(.class("score"), .plain(latest.total.map(Scoring.format) ?? "")),
                               .td(.plain(latest.band?.display ?? "")),
                               .td(.plain(latest.completedAt.map { when($0) } ?? "")))
                })))),
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
                    .span(.plain("\(definition?.name ?? entry.instrumentID) · \(entry.purpose == .outcome ? "before" : "after") \(session)")),
                    .span(.class("state"), .plain(" · \(stateWords(entry))")),
                    .if(entry.state == .due || entry.state == .overdue,
                        .a(.class("room-link"), .href(path), "Enter answers given in the room")))
            })
        )
    }

    var measuresPart: Node<HTML.BodyContext> {
        let summary = contents.checkIns
        let measureProblems = problems["measures-form"] ?? []
        return .section(.id("measures"),
            .h2("Measures for this client"),
            .p(.class("muted"), .plain(summary.measures.isEmpty ? "None asked." : "Asked: " + summary.measures.map(\.name).joined(separator: ", ") + ".")),
            opener("Change the measures", id: "measures-form", open: !measureProblems.isEmpty,
            FormParts.form(id: "measures-form", action: "\(base)/measures", context, problems: measureProblems, submit: "Save measures",
                .fieldset(.class("measures"),
                    .element(named: "legend", nodes: [Node<HTML.FormContext>.plain("Asked before each session (outcome) or after it (feedback)")]),
                    .forEach(measureProblems) { .p(.class("error"), .attribute(named: "role", value: "alert"), .plain($0.message)) },
                    .forEach(summary.available) { definition in
                        .label(.class("room-option"),
                               .input(.type(.checkbox), .name("measure-\(definition.id)"), .value("on"),
                                      .checked(summary.measures.contains(definition))),
                               .plain(" \(definition.name): \(definition.title)\(definition.purpose == .outcome ? "" : " (after sessions)")"))
                    })))
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
